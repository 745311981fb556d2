/* scrubber._speedups: the per-character work of stripping a page, in C (optional: a wheel
 * built where a C compiler is found has it; the Python code it replaces stays, as the
 * reference the tests hold it to, and for a pure Python install). _speedups.pyi types it.
 *
 * Line fingerprints (scrubber/rules/fingerprints.py, whose numba and NumPy code is the
 * reference).
 * A fingerprint is the hash of a line's case-folded key: over its UTF-8 bytes
 * b[0..n), every decimal digit (str.isdecimal, the \d of Python's re) read as "0" and
 * a run of them as one "0", h = sum(b[k] * P**k) mod 2**64 with the FNV prime P, then
 * the MurmurHash3 finalizer of h ^ n. Here the bytes are never made: the key's code
 * points are read as they are stored and hashed as their UTF-8 encoding would be
 * (a lone surrogate as three bytes, as "surrogatepass" encodes it).
 *
 * A line's facts (scrubber/rules/text.py, LineFacts.computed is the reference): its text
 * with spaces collapsed, its case-folded key, its words, whether it ends a sentence, and
 * its label, in one pass over the characters where Python makes five or more. The loop
 * over a page's lines that calls the line rules (rules/strip.py, _apply_line_rules), with
 * the rules' pre-checks (rules/line_rules.py, may_be_chrome) and each line's key for the
 * page's sketch. And a page's checksum (replay.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define FNV_PRIME 0x100000001B3ULL

static inline uint64_t fmix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}

/* P**k for the first bytes of a key: the products of a long key do not wait on each
 * other (a chain of multiplications would, a few cycles a byte). */
#define POWERS 1024
static uint64_t powers[POWERS];

typedef struct {
    uint64_t h, n, power; /* power: P**n, once n is past the table */
} Hash;

static inline void put(Hash *s, uint64_t byte) {
    if (s->n < POWERS) {
        s->h += byte * powers[s->n];
        if (++s->n == POWERS) s->power = powers[POWERS - 1] * FNV_PRIME;
    } else {
        s->h += byte * s->power;
        s->power *= FNV_PRIME;
        s->n++;
    }
}

static inline void put_code_point(Hash *s, Py_UCS4 c) {
    if (c < 0x80) {
        put(s, c);
    } else if (c < 0x800) {
        put(s, 0xC0 | (c >> 6));
        put(s, 0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        put(s, 0xE0 | (c >> 12));
        put(s, 0x80 | ((c >> 6) & 0x3F));
        put(s, 0x80 | (c & 0x3F));
    } else {
        put(s, 0xF0 | (c >> 18));
        put(s, 0x80 | ((c >> 12) & 0x3F));
        put(s, 0x80 | ((c >> 6) & 0x3F));
        put(s, 0x80 | (c & 0x3F));
    }
}

/* The bytes of one character as the key's UTF-8 would hold them, a decimal digit folded. */
static inline void put_char(Hash *s, Py_UCS4 c, int *after_digit) {
    if (c < 0x80) {
        if (c >= '0' && c <= '9') {
            if (!*after_digit) put(s, '0');
            *after_digit = 1;
            return;
        }
        put(s, c);
    } else if (Py_UNICODE_ISDECIMAL(c)) {
        if (!*after_digit) put(s, '0');
        *after_digit = 1;
        return;
    } else {
        put_code_point(s, c);
    }
    *after_digit = 0;
}

#define HASH_CHARS(TYPE)                                           \
    do {                                                           \
        const TYPE *chars = (const TYPE *)data;                    \
        for (Py_ssize_t i = 0; i < length; i++) {                 \
            put_char(&s, chars[i], &after_digit);                  \
        }                                                          \
    } while (0)

static uint64_t fingerprint_of(PyObject *key) {
    Hash s = {0, 0, 0};
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(key) < 0) return 0; /* (3.11: a legacy string made ready) */
#endif
    Py_ssize_t length = PyUnicode_GET_LENGTH(key);
    const void *data = PyUnicode_DATA(key);
    int after_digit = 0;
    switch (PyUnicode_KIND(key)) {
    case PyUnicode_1BYTE_KIND:
        HASH_CHARS(Py_UCS1);
        break;
    case PyUnicode_2BYTE_KIND:
        HASH_CHARS(Py_UCS2);
        break;
    default:
        HASH_CHARS(Py_UCS4);
        break;
    }
    return fmix(s.h ^ s.n);
}

static int write_u64_le(char *out, uint64_t value) {
    for (int k = 0; k < 8; k++) out[k] = (char)((value >> (8 * k)) & 0xFF);
    return 8;
}

/* fingerprint_facts(facts, keep) -> (seen, hashes, words, sentences, total_words)
 *
 * facts: a list of LineFacts (text, key, words, sentence, label); keep: None (every line
 * stays) or a list of as many booleans. seen: the packed fingerprints of every line;
 * hashes, words (capped at 255), sentences: those of the kept lines, as LineFingerprints
 * keeps them; total_words: the words of the kept lines. */
static PyObject *fingerprint_facts(PyObject *self, PyObject *args) {
    PyObject *facts, *keep;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &facts, &keep)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(facts);
    int all_kept = keep == Py_None;
    if (!all_kept && (!PyList_Check(keep) || PyList_GET_SIZE(keep) != count)) {
        PyErr_SetString(PyExc_TypeError, "keep must be None or a list as long as facts");
        return NULL;
    }
    PyObject *seen = PyBytes_FromStringAndSize(NULL, 8 * count);
    PyObject *hashes = all_kept ? NULL : PyBytes_FromStringAndSize(NULL, 8 * count);
    PyObject *words = PyBytes_FromStringAndSize(NULL, count);
    PyObject *sentences = PyBytes_FromStringAndSize(NULL, count);
    if (seen == NULL || (!all_kept && hashes == NULL) || words == NULL || sentences == NULL) {
        goto fail;
    }
    char *seen_out = PyBytes_AS_STRING(seen);
    char *hash_out = all_kept ? seen_out : PyBytes_AS_STRING(hashes);
    char *word_out = PyBytes_AS_STRING(words);
    char *sentence_out = PyBytes_AS_STRING(sentences);
    Py_ssize_t kept = 0;
    long long total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *fact = PyList_GET_ITEM(facts, i);
        if (!PyTuple_Check(fact) || PyTuple_GET_SIZE(fact) < 4) {
            PyErr_SetString(PyExc_TypeError, "facts must be LineFacts");
            goto fail;
        }
        PyObject *key = PyTuple_GET_ITEM(fact, 1);
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "a line's key must be a str");
            goto fail;
        }
        uint64_t value = fingerprint_of(key);
        write_u64_le(seen_out + 8 * i, value);
        if (!all_kept) {
            int stays = PyObject_IsTrue(PyList_GET_ITEM(keep, i));
            if (stays < 0) goto fail;
            if (!stays) continue;
            write_u64_le(hash_out + 8 * kept, value);
        }
        long line_words = PyLong_AsLong(PyTuple_GET_ITEM(fact, 2));
        if (line_words == -1 && PyErr_Occurred()) goto fail;
        int sentence = PyObject_IsTrue(PyTuple_GET_ITEM(fact, 3));
        if (sentence < 0) goto fail;
        word_out[kept] = (char)(line_words > 255 ? 255 : (line_words < 0 ? 0 : line_words));
        sentence_out[kept] = (char)sentence;
        total += line_words;
        kept++;
    }
    if (all_kept) {
        hashes = seen;
        Py_INCREF(hashes);
    } else if (_PyBytes_Resize(&hashes, 8 * kept) < 0) {
        hashes = NULL;
        goto fail;
    }
    if (kept != count && (_PyBytes_Resize(&words, kept) < 0 || _PyBytes_Resize(&sentences, kept) < 0)) {
        goto fail;
    }
    return Py_BuildValue("(NNNNL)", seen, hashes, words, sentences, total);
fail:
    Py_XDECREF(seen);
    Py_XDECREF(hashes);
    Py_XDECREF(words);
    Py_XDECREF(sentences);
    return NULL;
}

static PyObject *fingerprint_keys(PyObject *self, PyObject *args) {
    PyObject *keys;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &keys)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(keys);
    PyObject *out = PyBytes_FromStringAndSize(NULL, 8 * count);
    if (out == NULL) return NULL;
    char *data = PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        if (!PyUnicode_Check(key)) {
            Py_DECREF(out);
            PyErr_SetString(PyExc_TypeError, "keys must be str");
            return NULL;
        }
        write_u64_le(data + 8 * i, fingerprint_of(key));
    }
    return out;
}

/* What ``configure`` is told by rules/text.py: the characters that decorate a label,
 * close a sentence or end one (ASCII ones as tables, all as lists), unicodedata's
 * is_normalized, the characters below FOLD_LIMIT whose casefold is not their simple
 * lowercase, and the ranges of the scripts written without spaces. */
#define SET_MAX 128
#define FOLD_LIMIT 0x3000
#define RANGES_MAX 16
typedef struct {
    unsigned char ascii[128];
    Py_UCS4 chars[SET_MAX];
    int count;
} CharSet;
static CharSet decoration, closers, terminals;
static unsigned char fold_special[FOLD_LIMIT];
static Py_UCS4 unspaced_ranges[RANGES_MAX][2];
static int unspaced_count = 0;
static PyObject *is_normalized = NULL, *nfkc = NULL, *casefold_name = NULL;
static PyObject *no_break_space = NULL, *space = NULL;

static int char_set(PyObject *chars, CharSet *set) {
    if (!PyUnicode_Check(chars) || PyUnicode_GET_LENGTH(chars) > SET_MAX) {
        PyErr_SetString(PyExc_TypeError, "configure: a set of characters is a str (128 at most)");
        return -1;
    }
    memset(set, 0, sizeof(*set));
    set->count = (int)PyUnicode_GET_LENGTH(chars);
    for (int i = 0; i < set->count; i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(chars, i);
        set->chars[i] = c;
        if (c < 128) set->ascii[c] = 1;
    }
    return 0;
}

static inline int in_set(const CharSet *set, Py_UCS4 c) {
    if (c < 128) return set->ascii[c];
    for (int i = 0; i < set->count; i++) {
        if (set->chars[i] == c) return 1;
    }
    return 0;
}

static PyObject *configure(PyObject *self, PyObject *args) {
    PyObject *decoration_chars, *closer_chars, *terminal_chars, *normalized, *special, *ranges;
    if (!PyArg_ParseTuple(args, "OOOOUO!", &decoration_chars, &closer_chars, &terminal_chars,
                          &normalized, &special, &PyTuple_Type, &ranges)) {
        return NULL;
    }
    if (char_set(decoration_chars, &decoration) < 0 || char_set(closer_chars, &closers) < 0 ||
        char_set(terminal_chars, &terminals) < 0) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(ranges) > RANGES_MAX) {
        PyErr_SetString(PyExc_ValueError, "configure: too many ranges");
        return NULL;
    }
    unspaced_count = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(ranges); i++) {
        unsigned long first, last;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(ranges, i), "kk", &first, &last)) return NULL;
        unspaced_ranges[unspaced_count][0] = (Py_UCS4)first;
        unspaced_ranges[unspaced_count][1] = (Py_UCS4)last;
        unspaced_count++;
    }
    memset(fold_special, 0, sizeof(fold_special));
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(special); i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(special, i);
        if (c < FOLD_LIMIT) fold_special[c] = 1;
    }
    Py_INCREF(normalized);
    Py_XSETREF(is_normalized, normalized);
    if (nfkc == NULL && (nfkc = PyUnicode_InternFromString("NFKC")) == NULL) return NULL;
    if (casefold_name == NULL && (casefold_name = PyUnicode_InternFromString("casefold")) == NULL) {
        return NULL;
    }
    if (no_break_space == NULL && (no_break_space = PyUnicode_FromOrdinal(0xA0)) == NULL) return NULL;
    if (space == NULL && (space = PyUnicode_FromOrdinal(' ')) == NULL) return NULL;
    Py_RETURN_NONE;
}

/* " ".join(text.split()) */
static PyObject *collapsed(PyObject *text) {
    PyObject *words = PyUnicode_Split(text, NULL, -1);
    if (words == NULL) return NULL;
    PyObject *joined = PyUnicode_Join(space, words);
    Py_DECREF(words);
    return joined;
}

/* Whether an ASCII line is its own collapse_spaces (see line_facts), and its spaces and
 * capital letters. Separate simple loops, which the compiler makes vector loops. */
static int scan_ascii(const Py_UCS1 *chars, Py_ssize_t length, int plain, Py_ssize_t *spaces,
                      Py_ssize_t *upper) {
    unsigned char doubled = 0, unprintable = 0;
    uint32_t space_count = 0, upper_count = 0;
    for (Py_ssize_t i = 1; i < length; i++) {
        doubled |= (chars[i] == ' ') & (chars[i - 1] == ' ');
    }
    for (Py_ssize_t i = 0; i < length; i++) {
        unsigned char c = chars[i];
        unprintable |= (c < 0x20) | (c == 0x7F);
        space_count += c == ' ';
        upper_count += (unsigned char)(c - 'A') < 26;
    }
    *spaces = space_count;
    *upper = upper_count;
    int ends_clear = length == 0 || (chars[0] != ' ' && chars[length - 1] != ' ');
    return ends_clear && !doubled && (plain || !unprintable);
}

/* The facts of an ASCII line: (text, key, words); -1 on error. */
static int ascii_facts(PyObject *raw, int plain, PyObject **text_out, PyObject **key_out,
                       long *words_out) {
    Py_ssize_t spaces, upper;
    int simple = scan_ascii(PyUnicode_1BYTE_DATA(raw), PyUnicode_GET_LENGTH(raw), plain, &spaces, &upper);
    PyObject *text;
    if (simple) {
        text = Py_NewRef(raw);
    } else {
        if ((text = collapsed(raw)) == NULL) return -1;
        scan_ascii(PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text), 1, &spaces, &upper);
    }
    const Py_UCS1 *chars = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    PyObject *key;
    if (upper == 0) { /* text.lower() == text */
        key = Py_NewRef(text);
    } else {
        if ((key = PyUnicode_New(length, 127)) == NULL) {
            Py_DECREF(text);
            return -1;
        }
        Py_UCS1 *out = PyUnicode_1BYTE_DATA(key);
        for (Py_ssize_t i = 0; i < length; i++) {
            Py_UCS1 c = chars[i];
            out[i] = c | (Py_UCS1)(((Py_UCS1)(c - 'A') < 26) << 5);
        }
    }
    *text_out = text;
    *key_out = key;
    *words_out = length ? (long)spaces + 1 : 0;
    return 0;
}

static inline int utf8_size(Py_UCS4 c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

static inline int unspaced(Py_UCS4 c) {
    for (int i = 0; i < unspaced_count; i++) {
        if (c >= unspaced_ranges[i][0] && c <= unspaced_ranges[i][1]) return 1;
    }
    return 0;
}

static int normal_facts(PyObject *raw, PyObject **text_out, PyObject **key_out, long *words_out);

/* unicodedata.is_normalized("NFKC", text): 1, 0, or -1 on error */
static int normalized(PyObject *text) {
    PyObject *found = PyObject_CallFunctionObjArgs(is_normalized, nfkc, text, NULL);
    if (found == NULL) return -1;
    int normal = PyObject_IsTrue(found);
    Py_DECREF(found);
    return normal;
}

/* The facts of a line that is not ASCII, as clean_text, casefold and count_words make
 * them: (text, key, words), or 1 when the Python code must make them (a line that NFKC
 * would change beyond its no-break spaces, or with an unprintable character), -1 on error. */
static int other_facts(PyObject *line, PyObject **text_out, PyObject **key_out, long *words_out) {
    int normal = normalized(line);
    if (normal < 0) return -1;
    PyObject *raw = Py_NewRef(line);
    if (!normal) { /* often a no-break space is all NFKC would change (to a space) */
        Py_SETREF(raw, PyUnicode_Replace(line, no_break_space, space, -1));
        if (raw == NULL) return -1;
        normal = normalized(raw);
        if (normal <= 0) {
            Py_DECREF(raw);
            return normal < 0 ? -1 : 1;
        }
    }
    int done = normal_facts(raw, text_out, key_out, words_out);
    Py_DECREF(raw);
    return done;
}

/* other_facts of a line that NFKC does not change */
static int normal_facts(PyObject *raw, PyObject **text_out, PyObject **key_out, long *words_out) {
    int kind = PyUnicode_KIND(raw);
    const void *data = PyUnicode_DATA(raw);
    Py_ssize_t length = PyUnicode_GET_LENGTH(raw);
    int simple = length == 0 ||
                 (PyUnicode_READ(kind, data, 0) != ' ' && PyUnicode_READ(kind, data, length - 1) != ' ');
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == ' ') {
            if (i > 0 && PyUnicode_READ(kind, data, i - 1) == ' ') simple = 0;
        } else if (c < 0x20 || (c >= 0x7F && !Py_UNICODE_ISPRINTABLE(c))) {
            return 1; /* (invisible characters: clean_text drops them) */
        }
    }
    /* collapse_spaces(text, spaces_only=True) */
    PyObject *text = simple ? Py_NewRef(raw) : collapsed(raw);
    if (text == NULL) return -1;
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    length = PyUnicode_GET_LENGTH(text);

    /* count_words, and whether the simple lowercase of every character is its casefold */
    Py_ssize_t spaces = 0, extra_bytes = 0, cjk = 0;
    Py_UCS4 widest = 0;
    int foldable = 1;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        spaces += c == ' ';
        extra_bytes += utf8_size(c) - 1;
        if (c >= 0x80) {
            cjk += unspaced(c);
            if (c >= FOLD_LIMIT || fold_special[c]) {
                foldable = 0;
            } else {
                Py_UCS4 lower = Py_UNICODE_TOLOWER(c);
                if (lower > widest) widest = lower;
            }
        } else if (c > widest) {
            widest = c;
        }
    }
    long words = length ? (long)spaces + 1 : 0;
    if (extra_bytes / 4 > words && cjk / 2 > words) words = (long)(cjk / 2);

    PyObject *key;
    if (foldable) {
        key = PyUnicode_New(length, widest);
        if (key != NULL) {
            int key_kind = PyUnicode_KIND(key);
            void *key_data = PyUnicode_DATA(key);
            for (Py_ssize_t i = 0; i < length; i++) {
                Py_UCS4 c = PyUnicode_READ(kind, data, i);
                Py_UCS4 lower = c < 0x80 ? (c >= 'A' && c <= 'Z' ? c + 32 : c) : Py_UNICODE_TOLOWER(c);
                PyUnicode_WRITE(key_kind, key_data, i, lower);
            }
        }
    } else {
        key = PyObject_CallMethodNoArgs(text, casefold_name);
    }
    if (key == NULL) {
        Py_DECREF(text);
        return -1;
    }
    *text_out = text;
    *key_out = key;
    *words_out = words;
    return 0;
}

/* Whether a line that is not ASCII gets its facts here (other_facts): printable, and NFKC
 * changes no more than its no-break spaces. 1, 0, or -1 on error. */
static int made_here(PyObject *line) {
    PyObject *raw = PyUnicode_Replace(line, no_break_space, space, -1);
    if (raw == NULL) return -1;
    int kind = PyUnicode_KIND(raw);
    const void *data = PyUnicode_DATA(raw);
    int found = 1;
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(raw) && found; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        found = !(c < 0x20 || (c >= 0x7F && !Py_UNICODE_ISPRINTABLE(c)));
    }
    if (found) found = normalized(raw);
    Py_DECREF(raw);
    return found;
}

/* line_facts(cls, raw, plain, label_words) -> cls(text, key, words, sentence, label), as
 * LineFacts.computed makes them, or None for the few lines only the Python code handles. */
static PyObject *facts_of(PyObject *cls, PyObject *raw, int plain, long label_words);

static PyObject *line_facts(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyType_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "line_facts(cls, raw: str, plain, label_words)");
        return NULL;
    }
    if (is_normalized == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "scrubber._speedups.configure was not called");
        return NULL;
    }
    int plain = PyObject_IsTrue(args[2]);
    long label_words = PyLong_AsLong(args[3]);
    if (plain < 0 || (label_words == -1 && PyErr_Occurred())) return NULL;
    return facts_of(args[0], args[1], plain, label_words);
}

static PyObject *facts_of(PyObject *cls, PyObject *raw, int plain, long label_words) {
    PyObject *text, *key;
    long words;
    if (PyUnicode_IS_ASCII(raw)) {
        if (ascii_facts(raw, plain, &text, &key, &words) < 0) return NULL;
    } else {
        int done = other_facts(raw, &text, &key, &words);
        if (done != 0) {
            if (done < 0) return NULL;
            Py_RETURN_NONE;
        }
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);

    /* ends_sentence(text): the last character before the closing quotes and brackets */
    Py_ssize_t end = length;
    while (end > 0 && in_set(&closers, PyUnicode_READ(kind, data, end - 1))) end--;
    int sentence = end > 0 && in_set(&terminals, PyUnicode_READ(kind, data, end - 1));

    /* bare(key) for a line of up to label_words words, else "" */
    PyObject *label;
    if (words <= label_words) {
        int key_kind = PyUnicode_KIND(key);
        const void *key_data = PyUnicode_DATA(key);
        Py_ssize_t first = 0, last = PyUnicode_GET_LENGTH(key);
        while (first < last && in_set(&decoration, PyUnicode_READ(key_kind, key_data, first))) first++;
        while (last > first && in_set(&decoration, PyUnicode_READ(key_kind, key_data, last - 1))) last--;
        label = PyUnicode_Substring(key, first, last);
    } else {
        label = PyUnicode_New(0, 0);
    }
    if (label == NULL) {
        Py_DECREF(text);
        Py_DECREF(key);
        return NULL;
    }
    PyObject *values = Py_BuildValue("(NNlON)", text, key, words, sentence ? Py_True : Py_False, label);
    if (values == NULL) return NULL;
    PyObject *packed = PyTuple_Pack(1, values);
    Py_DECREF(values);
    if (packed == NULL) return NULL;
    PyObject *fact = PyTuple_Type.tp_new((PyTypeObject *)cls, packed, NULL);
    Py_DECREF(packed);
    return fact;
}

/* line_rules.may_be_chrome, told its words and limits by configure_chrome */
static long long_line_words = -1, most_words = -1;
static PyObject *cookie_words = NULL, *phrase_labels = NULL, *stamp_prefixes = NULL;
static PyObject *prefixes = NULL, *trigger_words = NULL;

static PyObject *configure_chrome(PyObject *self, PyObject *args) {
    long long_words, most;
    PyObject *cookies, *labels, *stamps, *starts, *triggers;
    if (!PyArg_ParseTuple(args, "llO!O!O!O!O!", &long_words, &most, &PyTuple_Type, &cookies,
                          &PyFrozenSet_Type, &labels, &PyDict_Type, &stamps, &PyDict_Type, &starts,
                          &PyTuple_Type, &triggers)) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(triggers) != long_words + 1) {
        PyErr_SetString(PyExc_ValueError, "configure_chrome: trigger words for 0 to long_words words");
        return NULL;
    }
    long_line_words = long_words;
    most_words = most;
    Py_XSETREF(cookie_words, Py_NewRef(cookies));
    Py_XSETREF(phrase_labels, Py_NewRef(labels));
    Py_XSETREF(stamp_prefixes, Py_NewRef(stamps));
    Py_XSETREF(prefixes, Py_NewRef(starts));
    Py_XSETREF(trigger_words, Py_NewRef(triggers));
    Py_RETURN_NONE;
}

/* Whether the m bytes of ``needle`` (m > 0) are in the n bytes of ``hay`` (memmem is not
 * everywhere): memchr finds each place the first byte is. */
static int has_bytes(const Py_UCS1 *hay, Py_ssize_t n, const Py_UCS1 *needle, Py_ssize_t m) {
    const Py_UCS1 *end = hay + n - m + 1;
    for (const Py_UCS1 *at = hay; at < end; at++) {
        at = memchr(at, needle[0], (size_t)(end - at));
        if (at == NULL) return 0;
        if (memcmp(at + 1, needle + 1, (size_t)(m - 1)) == 0) return 1;
    }
    return 0;
}

/* Whether ``text`` contains one of the strs of the tuple ``words``: 1, 0, -1 on error.
 * A one-byte text (most keys) is searched bytewise: a word of wider characters is not in
 * it. */
static int contains_any(PyObject *text, PyObject *words) {
    int narrow = PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(words); i++) {
        PyObject *word = PyTuple_GET_ITEM(words, i);
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "configure_chrome: words are str");
            return -1;
        }
        int found;
        if (narrow && PyUnicode_KIND(word) == PyUnicode_1BYTE_KIND && PyUnicode_GET_LENGTH(word)) {
            found = has_bytes(PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text),
                              PyUnicode_1BYTE_DATA(word), PyUnicode_GET_LENGTH(word));
        } else if (narrow && PyUnicode_GET_LENGTH(word)) {
            found = 0;
        } else {
            found = PyUnicode_Contains(text, word);
        }
        if (found != 0) return found;
    }
    return 0;
}

/* key.startswith(groups.get(key[:1], ())): 1, 0, -1 on error */
static int starts_with_any(PyObject *key, PyObject *groups) {
    if (PyUnicode_GET_LENGTH(key) == 0) return 0;
    PyObject *first = PyUnicode_Substring(key, 0, 1);
    if (first == NULL) return -1;
    PyObject *group = PyDict_GetItemWithError(groups, first);
    Py_DECREF(first);
    if (group == NULL) return PyErr_Occurred() ? -1 : 0;
    if (!PyTuple_Check(group)) {
        PyErr_SetString(PyExc_TypeError, "configure_chrome: prefixes come in tuples");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(group); i++) {
        Py_ssize_t found = PyUnicode_Tailmatch(key, PyTuple_GET_ITEM(group, i), 0, PY_SSIZE_T_MAX, -1);
        if (found != 0) return found < 0 ? -1 : 1;
    }
    return 0;
}

/* not sentence and ("|" in text or "·" in text or "•" in text): inline-menu's pre-check */
static int may_be_menu(PyObject *text, int sentence) {
    if (sentence) return 0;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    return PyUnicode_FindChar(text, '|', 0, length, 1) >= 0 ||
           PyUnicode_FindChar(text, 0xB7, 0, length, 1) >= 0 ||
           PyUnicode_FindChar(text, 0x2022, 0, length, 1) >= 0;
}

/* line_rules.may_be_chrome(facts): 1, 0, -1 on error (the Python function is the reference) */
static int chrome(PyObject *fact) {
    PyObject *text = PyTuple_GET_ITEM(fact, 0), *key = PyTuple_GET_ITEM(fact, 1);
    long words = PyLong_AsLong(PyTuple_GET_ITEM(fact, 2));
    int sentence = PyObject_IsTrue(PyTuple_GET_ITEM(fact, 3));
    if ((words == -1 && PyErr_Occurred()) || sentence < 0) return -1;
    if (words > long_line_words) { /* may_be_chrome_long */
        if (words > most_words) return 0;
        int found = contains_any(key, cookie_words);
        return found != 0 ? found : may_be_menu(text, sentence);
    }
    int found = PySet_Contains(phrase_labels, PyTuple_GET_ITEM(fact, 4));
    if (found != 0) return found;
    if (words <= 10) {
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(key); i++) {
            if (Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, i))) return 1; /* re's \d */
        }
        if ((found = starts_with_any(key, stamp_prefixes)) != 0) return found;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (words <= 6 && length > 0 && PyUnicode_FindChar(text, '.', 0, length, 1) >= 0) {
        Py_UCS4 last = PyUnicode_READ_CHAR(text, length - 1); /* _may_be_media */
        if (Py_UNICODE_ISALNUM(last) || last == ')') return 1;
    }
    if ((found = starts_with_any(key, prefixes)) != 0) return found;
    if ((found = contains_any(key, PyTuple_GET_ITEM(trigger_words, words < 0 ? 0 : words))) != 0) {
        return found;
    }
    return may_be_menu(text, sentence);
}

static int chrome_configured(void) {
    if (trigger_words == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "scrubber._speedups.configure_chrome was not called");
        return 0;
    }
    return 1;
}

/* may_be_chrome(facts) -> bool, as line_rules.may_be_chrome */
static PyObject *may_be_chrome(PyObject *self, PyObject *fact) {
    if (!PyTuple_Check(fact) || PyTuple_GET_SIZE(fact) != 5) {
        PyErr_SetString(PyExc_TypeError, "may_be_chrome takes a LineFacts");
        return NULL;
    }
    if (!chrome_configured()) return NULL;
    int found = chrome(fact);
    if (found < 0) return NULL;
    return PyBool_FromLong(found);
}

/* judge_lines(raw, plain, verdicts, known, cls, computed, judge, blank, label_words,
 *             remember_chars, remember_lines, keys) -> {index: facts}
 *
 * strip.py's _apply_line_rules and _LineJudge for a page without user patterns (the
 * Python code there is the reference): each non-empty line's facts (``facts_of``, else
 * ``computed(line, plain)``) and rule (``judge(facts)`` for a line with text that
 * ``may_be_chrome``, else None: ``judge`` is the rules' first match), remembered
 * in ``known`` for lines of up to ``remember_chars`` characters (cleared at
 * ``remember_lines``); a line with no text gets ``blank`` (None: kept), a line a rule
 * removes gets its name in ``verdicts``; the others' facts are returned by index.
 * ``keys`` (a list as long as ``raw``, or None): each non-empty line's key where it has the
 * words of ``unicode_fold(line)`` (an ASCII line, or one whose facts are made here), else
 * None. */
static PyObject *judge_lines(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 12 || !PyList_Check(args[0]) || !PyList_Check(args[2]) || !PyDict_Check(args[3]) ||
        !PyType_Check(args[4]) || (args[11] != Py_None && !PyList_Check(args[11]))) {
        PyErr_SetString(PyExc_TypeError, "judge_lines: see _speedups.pyi");
        return NULL;
    }
    if (is_normalized == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "scrubber._speedups.configure was not called");
        return NULL;
    }
    if (!chrome_configured()) return NULL;
    PyObject *raw = args[0], *verdicts = args[2], *known = args[3], *cls = args[4];
    PyObject *computed = args[5], *judge = args[6], *blank = args[7];
    PyObject *keys = args[11] == Py_None ? NULL : args[11];
    int plain = PyObject_IsTrue(args[1]);
    long label_words = PyLong_AsLong(args[8]);
    Py_ssize_t remember_chars = PyLong_AsSsize_t(args[9]);
    Py_ssize_t remember_lines = PyLong_AsSsize_t(args[10]);
    if (plain < 0 || PyErr_Occurred()) return NULL;
    if (PyList_GET_SIZE(verdicts) < PyList_GET_SIZE(raw) ||
        (keys != NULL && PyList_GET_SIZE(keys) < PyList_GET_SIZE(raw))) {
        PyErr_SetString(PyExc_ValueError, "judge_lines: a verdict and a key for every line");
        return NULL;
    }
    PyObject *facts = PyDict_New();
    if (facts == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(raw); i++) {
        PyObject *line = PyList_GET_ITEM(raw, i);
        if (!PyUnicode_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "judge_lines: lines are str");
            goto fail;
        }
        if (PyUnicode_GET_LENGTH(line) == 0) continue;
        int remember = PyUnicode_GET_LENGTH(line) <= remember_chars;
        PyObject *fact = NULL, *rule = NULL;
        int folded = PyUnicode_IS_ASCII(line); /* the key has unicode_fold's words */
        if (remember) {
            PyObject *pair = PyDict_GetItemWithError(known, line);
            if (pair == NULL && PyErr_Occurred()) goto fail;
            if (pair != NULL) {
                if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
                    PyErr_SetString(PyExc_TypeError, "judge_lines: a remembered verdict is a pair");
                    goto fail;
                }
                fact = Py_NewRef(PyTuple_GET_ITEM(pair, 0));
                rule = Py_NewRef(PyTuple_GET_ITEM(pair, 1));
                if (!folded && keys != NULL && (folded = made_here(line)) < 0) {
                    Py_DECREF(fact);
                    Py_DECREF(rule);
                    goto fail;
                }
            }
        }
        if (fact == NULL) {
            fact = facts_of(cls, line, plain, label_words);
            if (fact == Py_None) {
                Py_DECREF(fact);
                fact = PyObject_CallFunctionObjArgs(computed, line, plain ? Py_True : Py_False, NULL);
            } else {
                folded = 1;
            }
            if (fact == NULL) goto fail;
            int candidate = PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(fact, 0)) ? chrome(fact) : 0;
            if (candidate < 0) {
                Py_DECREF(fact);
                goto fail;
            }
            rule = candidate ? PyObject_CallOneArg(judge, fact) : Py_NewRef(Py_None);
            if (rule == NULL) {
                Py_DECREF(fact);
                goto fail;
            }
            if (remember) {
                if (PyDict_GET_SIZE(known) >= remember_lines) PyDict_Clear(known);
                PyObject *pair = PyTuple_Pack(2, fact, rule);
                if (pair == NULL || PyDict_SetItem(known, line, pair) < 0) {
                    Py_XDECREF(pair);
                    Py_DECREF(fact);
                    Py_DECREF(rule);
                    goto fail;
                }
                Py_DECREF(pair);
            }
        }
        int failed = 0;
        if (PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(fact, 0)) == 0) {
            if (blank != Py_None) failed = PyList_SetItem(verdicts, i, Py_NewRef(blank)) < 0;
        } else if (rule != Py_None) {
            failed = PyList_SetItem(verdicts, i, Py_NewRef(rule)) < 0;
        } else {
            PyObject *index = PyLong_FromSsize_t(i);
            failed = index == NULL || PyDict_SetItem(facts, index, fact) < 0;
            Py_XDECREF(index);
        }
        if (!failed && keys != NULL) {
            PyObject *key = folded ? PyTuple_GET_ITEM(fact, 1) : Py_None;
            failed = PyList_SetItem(keys, i, Py_NewRef(key)) < 0;
        }
        Py_DECREF(fact);
        Py_DECREF(rule);
        if (failed) goto fail;
    }
    return facts;
fail:
    Py_DECREF(facts);
    return NULL;
}

/* text_checksum(text) -> a 64-bit hash of the text's characters as the string stores them
 * (the same text always has the same storage), without encoding it: a page read twice in
 * one run checks against itself (replay.py). Not stable across Python builds. */
static PyObject *text_checksum(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "text_checksum takes a str");
        return NULL;
    }
    const unsigned char *data = (const unsigned char *)PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text) * PyUnicode_KIND(text);
    uint64_t lanes[4] = {0x9E3779B97F4A7C15ULL, 0xC2B2AE3D27D4EB4FULL, 0x165667B19E3779F9ULL,
                         0x27D4EB2F165667C5ULL};
    Py_ssize_t i = 0;
    for (; i + 32 <= size; i += 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t word;
            memcpy(&word, data + i + 8 * k, 8);
            lanes[k] = (lanes[k] ^ word) * FNV_PRIME;
            lanes[k] ^= lanes[k] >> 29;
        }
    }
    uint64_t h = fmix(lanes[0]) ^ fmix(lanes[1] + 1) ^ fmix(lanes[2] + 2) ^ fmix(lanes[3] + 3);
    for (; i < size; i++) h = (h ^ data[i]) * FNV_PRIME;
    return PyLong_FromUnsignedLongLong(fmix(h ^ (uint64_t)size ^ ((uint64_t)PyUnicode_KIND(text) << 56)));
}

static PyMethodDef methods[] = {
    {"text_checksum", text_checksum, METH_O,
     "text_checksum(text) -> int: a hash of the text as stored (replay.py's page checksum)"},
    {"configure_chrome", configure_chrome, METH_VARARGS,
     "configure_chrome(long_line_words, most_words, cookie_words, phrase_labels, stamp_prefixes, "
     "prefixes, trigger_words)"},
    {"may_be_chrome", may_be_chrome, METH_O, "may_be_chrome(facts) -> bool, as line_rules'"},
    {"configure", configure, METH_VARARGS,
     "configure(decoration, closers, terminals, is_normalized, fold_special, unspaced_ranges)"},
    {"judge_lines", (PyCFunction)(void (*)(void))judge_lines, METH_FASTCALL,
     "judge_lines(raw, plain, verdicts, known, cls, computed, judge, blank, label_words, "
     "remember_chars, remember_lines, keys) -> {index: facts}"},
    {"line_facts", (PyCFunction)(void (*)(void))line_facts, METH_FASTCALL,
     "line_facts(cls, raw, plain, label_words) -> LineFacts, or None (the Python code's)"},
    {"fingerprint_facts", fingerprint_facts, METH_VARARGS,
     "fingerprint_facts(facts, keep) -> (seen, hashes, words, sentences, total_words)"},
    {"fingerprint_keys", fingerprint_keys, METH_VARARGS,
     "fingerprint_keys(keys) -> the packed fingerprints of a list of keys"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "scrubber._speedups",
    "Line fingerprints in C (see scrubber.rules.fingerprints).", -1, methods,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    uint64_t power = 1;
    for (int k = 0; k < POWERS; k++) {
        powers[k] = power;
        power *= FNV_PRIME;
    }
    PyObject *created = PyModule_Create(&module);
    if (created != NULL && PyModule_AddIntConstant(created, "FOLD_LIMIT", FOLD_LIMIT) < 0) {
        Py_DECREF(created);
        return NULL;
    }
    return created;
}

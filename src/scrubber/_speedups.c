/* scrubber._speedups: the line fingerprints of a page in one call (optional; see
 * scrubber/rules/fingerprints.py, whose Python and NumPy code is the reference).
 *
 * A fingerprint is the hash of a line's case-folded key: over its UTF-8 bytes
 * b[0..n), every decimal digit (str.isdecimal, the \d of Python's re) read as "0" and
 * a run of them as one "0", h = sum(b[k] * P**k) mod 2**64 with the FNV prime P, then
 * the MurmurHash3 finalizer of h ^ n. Here the bytes are never made: the key's code
 * points are read as they are stored and hashed as their UTF-8 encoding would be
 * (a lone surrogate as three bytes, as "surrogatepass" encodes it).
 *
 * And the facts of an ASCII line (scrubber/rules/text.py, LineFacts.of: the Python code
 * there is the reference): its text with spaces collapsed, key, words, whether it ends a
 * sentence, and its label, in one pass over the characters where Python makes five.
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

/* ASCII members of text.py's DECORATION, _CLOSERS and _TERMINAL (``configure``). */
static unsigned char decoration[128], closers[128], terminals[128];
static int configured = 0;

static int ascii_table(PyObject *chars, unsigned char *table) {
    if (!PyUnicode_Check(chars)) {
        PyErr_SetString(PyExc_TypeError, "configure takes three str");
        return -1;
    }
    memset(table, 0, 128);
    Py_ssize_t length = PyUnicode_GET_LENGTH(chars);
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(chars, i);
        if (c < 128) table[c] = 1;
    }
    return 0;
}

static PyObject *configure(PyObject *self, PyObject *args) {
    PyObject *decoration_chars, *closer_chars, *terminal_chars;
    if (!PyArg_ParseTuple(args, "OOO", &decoration_chars, &closer_chars, &terminal_chars)) {
        return NULL;
    }
    if (ascii_table(decoration_chars, decoration) < 0 || ascii_table(closer_chars, closers) < 0 ||
        ascii_table(terminal_chars, terminals) < 0) {
        return NULL;
    }
    configured = 1;
    Py_RETURN_NONE;
}

/* " ".join(text.split()) */
static PyObject *collapsed(PyObject *text) {
    PyObject *words = PyUnicode_Split(text, NULL, -1);
    if (words == NULL) return NULL;
    PyObject *space = PyUnicode_FromOrdinal(' ');
    PyObject *joined = space == NULL ? NULL : PyUnicode_Join(space, words);
    Py_XDECREF(space);
    Py_DECREF(words);
    return joined;
}

/* Whether an ASCII line is its own collapse_spaces (see ascii_line_facts), and its spaces
 * and capital letters. */
static int scan_ascii(const Py_UCS1 *chars, Py_ssize_t length, int plain, Py_ssize_t *spaces,
                      Py_ssize_t *upper) {
    /* (separate simple loops, so that the compiler makes each a vector loop) */
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

/* ascii_line_facts(cls, raw, plain, label_words) -> cls(text, key, words, sentence, label),
 * or None when ``raw`` is not ASCII (LineFacts.of computes those in Python). */
static PyObject *ascii_line_facts(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyType_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "ascii_line_facts(cls, raw: str, plain, label_words)");
        return NULL;
    }
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "scrubber._speedups.configure was not called");
        return NULL;
    }
    PyObject *raw = args[1];
    if (!PyUnicode_IS_ASCII(raw)) Py_RETURN_NONE;
    int plain = PyObject_IsTrue(args[2]);
    long label_words = PyLong_AsLong(args[3]);
    if (plain < 0 || (label_words == -1 && PyErr_Occurred())) return NULL;

    /* collapse_spaces(raw, spaces_only=plain): raw itself when it is printable (or ``plain``)
     * and has no double space and no space at either end. One pass without branches
     * (the compiler makes it a vector loop) counts what the rest needs. */
    Py_ssize_t spaces, upper;
    int simple = scan_ascii(PyUnicode_1BYTE_DATA(raw), PyUnicode_GET_LENGTH(raw), plain, &spaces, &upper);
    PyObject *text;
    if (simple) {
        text = raw;
        Py_INCREF(text);
    } else {
        if ((text = collapsed(raw)) == NULL) return NULL;
        scan_ascii(PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text), 1, &spaces, &upper);
    }
    const Py_UCS1 *chars = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    PyObject *key;
    if (upper == 0) { /* text.lower() == text */
        key = text;
        Py_INCREF(key);
    } else {
        key = PyUnicode_New(length, 127);
        if (key == NULL) {
            Py_DECREF(text);
            return NULL;
        }
        Py_UCS1 *out = PyUnicode_1BYTE_DATA(key);
        for (Py_ssize_t i = 0; i < length; i++) {
            Py_UCS1 c = chars[i];
            out[i] = c | (Py_UCS1)(((Py_UCS1)(c - 'A') < 26) << 5);
        }
    }
    long words = length ? (long)spaces + 1 : 0;

    /* ends_sentence(text): the last character before the closing quotes and brackets */
    Py_ssize_t end = length;
    while (end > 0 && closers[chars[end - 1]]) end--;
    int sentence = end > 0 && terminals[chars[end - 1]];

    /* bare(key) for a line of up to label_words words, else "" */
    PyObject *label;
    if (words <= label_words) {
        const Py_UCS1 *key_chars = PyUnicode_1BYTE_DATA(key);
        Py_ssize_t first = 0, last = length;
        while (first < last && decoration[key_chars[first]]) first++;
        while (last > first && decoration[key_chars[last - 1]]) last--;
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
    PyObject *fact = PyTuple_Type.tp_new((PyTypeObject *)args[0], packed, NULL);
    Py_DECREF(packed);
    return fact;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(decoration, closers, terminals): the characters of rules.text"},
    {"ascii_line_facts", (PyCFunction)(void (*)(void))ascii_line_facts, METH_FASTCALL,
     "ascii_line_facts(cls, raw, plain, label_words) -> LineFacts, or None (not ASCII)"},
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
    return PyModule_Create(&module);
}

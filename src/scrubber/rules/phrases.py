"""Word lists of site chrome, by kind, in English, German, French, Spanish, Russian, Polish
(plus Italian, Dutch and Portuguese where the words are common and unambiguous).

Each list holds whole lines, case-folded, as a reader sees them once the decoration around
them (arrows, chevrons, bullets, ellipses, brackets) is gone: ``"« Zurück"`` and
``"Read more…"`` match ``"zurück"`` and ``"read more"``. A line is removed only when it is
*nothing but* one of these phrases, so "Read more about the treaty in our report." stays.
"""

from __future__ import annotations

NAVIGATION = frozenset(
    # English (the seeds: "Go back", "Back to the section", "Back to the all news")
    """go back|back|back to the section|back to the all news|back to all news|back to news
back to top|back to the top|to top|top|return to top|scroll to top|jump to top|back to list
back to overview|back to home|back to homepage|return to home|back to index|back to blog
read more|read the rest|read full article|read full story|read the full story|continue reading
more|more news|show more|see more|see all|view all|view more|load more|show all|more articles
next|previous|prev|next page|previous page|next post|previous post|next article
previous article|older posts|newer posts|older entries|newer entries|next story
skip to content|skip to main content|skip navigation|skip to navigation|skip to footer
jump to navigation|jump to content|toggle navigation|open menu|close menu|main menu|menu
navigation|close|search|search for|home|homepage|breadcrumb|you are here|close this search box
related|related posts|related articles|related stories|you may also like|you might also like
more from|most read|most popular|recent posts|recent comments|latest posts|latest news|tags
categories|archives|blog archive|follow us|about the author|forgot password
forgot your password|see also|trending|trending now|popular posts|top stories
"""
    # German
    """zurück|zurück zur übersicht|zurück zur startseite|zurück zum seitenanfang|zur übersicht
zurück zur liste|zurück nach oben|zurück zum hauptmenü|zurück zur bereichsnavigation
nach oben|zum seitenanfang|seitenanfang|nach oben scrollen|weiterlesen|mehr lesen
mehr erfahren|mehr|mehr anzeigen|alle anzeigen|alle zeigen|mehr zum thema|weiter
vorherige|nächste|vorheriger artikel|nächster artikel|vorheriger beitrag|nächster beitrag
ältere beiträge|neuere beiträge|vorherige seite|nächste seite|zum inhalt springen
direkt zum inhalt|zum inhalt|navigation überspringen|zur navigation|hauptmenü|menü
schließen|schliessen|suche|suchen|startseite|sie sind hier|springe direkt zu
menü schließen|menü öffnen|suche öffnen|suche schließen|servicemenü|hauptnavigation
das könnte sie auch interessieren|das könnte dich auch interessieren|ähnliche beiträge
ähnliche artikel|verwandte artikel|weitere artikel|neueste beiträge|neueste kommentare
neueste artikel|letzte artikel|aktuelle beiträge|letzte beiträge|letzte kommentare
meistgelesen|meistgelesene artikel|auch interessant|schlagwörter|schlagworte|kategorien
archiv|folgen sie uns|folge uns|über den autor|passwort vergessen|mehr zum thema
bild anzeigen bild schliessen|bild anzeigen|bild schliessen|zur startseite|auch lesenswert
"""
    # French
    """retour|retour en haut|haut de page|retour à l'accueil|retour à la liste|lire la suite
lire plus|en savoir plus|voir plus|voir tout|afficher plus|suivant|précédent
article suivant|article précédent|aller au contenu|aller au contenu principal|fermer
rechercher|accueil|vous êtes ici|retour aux actualités|toutes les actualités
lire aussi|à lire aussi|articles similaires|articles récents|les plus lus|catégories|suivez-nous
"""
    # Spanish
    """volver|volver arriba|ir arriba|volver al inicio|leer más|ver más|seguir leyendo
ver todo|ver todos|siguiente|anterior|cerrar|buscar|inicio|ir al contenido
saltar al contenido|mostrar más|cargar más|usted está aquí|leer nota completa
te puede interesar|también te puede interesar|más leídas|lo más leído|noticias relacionadas
artículos relacionados|categorías|etiquetas|síguenos
"""
    # Russian
    """назад|вернуться|вернуться назад|вернуться к списку|вернуться к новостям|к списку новостей
все новости|наверх|подробнее|читать далее|читать дальше|читать полностью|далее|ещё|еще
показать ещё|показать еще|показать все|следующая|предыдущая|главная|меню|закрыть|поиск
перейти к содержимому|вы здесь|к списку|назад к списку|вернуться в раздел|в начало
читайте также|похожие статьи|похожие новости|популярное|самое читаемое|рубрики|метки|теги
"""
    # Polish
    """powrót|wróć|wstecz|do góry|na górę|przejdź do treści|czytaj więcej|czytaj dalej
więcej|zobacz więcej|zobacz wszystkie|pokaż więcej|następny|poprzedni|następna
poprzednia|zamknij|szukaj|strona główna|jesteś tutaj|powrót do listy|wróć do listy
zobacz też|zobacz także|czytaj też|czytaj także|polecane|najczęściej czytane|kategorie|tagi
"""
    # Italian, Dutch, Portuguese
    """indietro|torna su|leggi di più|leggi tutto|continua a leggere|avanti|successivo
precedente|chiudi|cerca|terug|lees meer|meer lezen|naar boven|volgende|vorige|sluiten
zoeken|voltar|leia mais|ler mais|saiba mais|voltar ao topo|próximo|fechar|pesquisar
""".replace("\n", "|").split("|")
) - {""}

SHARING = frozenset(
    """share|share this|share this article|share this post|share on facebook|share on twitter
share on linkedin|share on whatsapp|share via email|share this:|tweet|pin it|print
print this page|print article|email|e-mail|send|copy link|link copied|facebook|twitter|x
instagram|youtube|linkedin|pinterest|whatsapp|telegram|xing|reddit|tumblr|flipboard|pocket
mastodon|threads|bluesky|tiktok|vk|vkontakte|rss|rss feed|rss-feed|feed|leave a comment
leave a reply|reply|add comment|post comment|comment|comments|write a comment
teilen|inhalt teilen|artikel teilen|beitrag teilen|seite teilen|teilen sie dies mit
drucken|artikel drucken|seite drucken|per e-mail senden|per mail versenden|link kopieren
url zum kopieren|antworten|kommentieren|kommentar schreiben|kommentar verfassen
kommentar hinzufügen|kommentare|kommentar|auf facebook teilen|auf twitter teilen
partager|partager sur facebook|partager sur twitter|imprimer|envoyer|commenter|répondre
compartir|compartir en facebook|compartir en twitter|imprimir|enviar|comentar|responder
comentarios|поделиться|распечатать|печать|версия для печати|комментировать|ответить
комментарии|вконтакте|одноклассники|udostępnij|drukuj|podziel się|skomentuj|odpowiedz
komentarze|condividi|stampa|delen|afdrukken|partilhar|compartilhar|replydelete|reply delete
leave a reply cancel reply|cancel reply|antwort abbrechen|schreibe einen kommentar
schreibe einen kommentar antworten abbrechen|kommentar verfassen antwort abbrechen
like this|like loading|gefällt mir|gefällt mir wird geladen|%d bloggern gefällt das
email protected|twittern|teilen auf facebook|teilen auf twitter|empfehlen|weiterempfehlen
""".replace("\n", "|").split("|")
) - {""}

ACCOUNT = frozenset(
    """subscribe|subscribe now|subscribe to our newsletter|sign in|sign up|log in|login
log out|logout|register|create account|create an account|my account|newsletter
newsletter signup|sign up for our newsletter|join now|member login|manage subscription
anmelden|abmelden|registrieren|einloggen|ausloggen|mein konto|newsletter abonnieren
jetzt abonnieren|abonnieren|abonnement|anmelden/registrieren|anmelden registrieren
newsletter anmeldung|jetzt anmelden|konto erstellen|login/registrieren|zum newsletter
s'abonner|abonnez-vous|se connecter|connexion|inscription|mon compte|se déconnecter
suscribirse|suscríbete|iniciar sesión|registrarse|mi cuenta|cerrar sesión|regístrate
подписаться|войти|вход|регистрация|выйти|личный кабинет|подписка|зарегистрироваться
zaloguj|zaloguj się|zarejestruj|zarejestruj się|wyloguj|subskrybuj|moje konto|logowanie
accedi|registrati|abbonati|inloggen|registreren|abonneren|entrar|assinar|inscreva-se
donate|donate now|support us|jetzt spenden|spenden|faire un don|donar|пожертвовать|wesprzyj
passwort vergessen|forgot password|forgot your password|mot de passe oublié
""".replace("\n", "|").split("|")
) - {""}

CONSENT_BUTTONS = frozenset(
    """accept|accept all|accept all cookies|accept cookies|allow all|allow cookies|reject all
decline|i agree|agree|got it|ok, got it|manage cookies|cookie settings|cookie policy
privacy settings|customize|save preferences|necessary cookies|cookies
akzeptieren|alle akzeptieren|alle cookies akzeptieren|ablehnen|alle ablehnen|zustimmen
einverstanden|cookie-einstellungen|cookie einstellungen|datenschutzeinstellungen
cookies zulassen|auswahl speichern|einstellungen speichern|notwendige cookies
accepter|tout accepter|refuser|tout refuser|paramètres des cookies|j'accepte
aceptar|aceptar todo|aceptar cookies|rechazar|rechazar todo|configurar cookies
принять|принять все|отклонить|согласен|настройки cookie
akceptuję|akceptuj|zgadzam się|odrzuć|ustawienia cookies|zaakceptuj wszystkie
accetta|accetta tutti|rifiuta|accepteren|alles accepteren|aceitar|aceitar todos
""".replace("\n", "|").split("|")
) - {""}

FOOTER = frozenset(
    """impressum|datenschutz|datenschutzerklärung|datenschutzhinweise|datenschutzrichtlinie
agb|nutzungsbedingungen|barrierefreiheit|erklärung zur barrierefreiheit|cookie-richtlinie
imprint|privacy|privacy policy|privacy notice|terms|terms of use|terms of service
terms and conditions|terms & conditions|legal notice|legal|disclaimer|sitemap|site map
accessibility|privacy & cookies policy|cookies policy|do not sell my personal information
mentions légales|politique de confidentialité|conditions générales|plan du site
conditions d'utilisation|aviso legal|política de privacidad|política de cookies
mapa del sitio|términos y condiciones|condiciones de uso|политика конфиденциальности
пользовательское соглашение|карта сайта|polityka prywatności|regulamin|mapa strony
polityka cookies|informativa sulla privacy|note legali|privacybeleid|política de privacidade
anzeige|werbung|advertisement|advertising|sponsored|publicité|publicidad|реклама|reklama
""".replace("\n", "|").split("|")
) - {""}

# "All rights reserved" and its translations end most copyright lines.
RIGHTS_RESERVED = (
    "all rights reserved",
    "alle rechte vorbehalten",
    "tous droits réservés",
    "todos los derechos reservados",
    "все права защищены",
    "wszelkie prawa zastrzeżone",
    "tutti i diritti riservati",
    "alle rechten voorbehouden",
    "todos os direitos reservados",
)

# Site-credit lines that themes print in the footer.
CREDIT_PREFIXES = (
    "powered by ",
    "proudly powered by ",
    "designed by ",
    "theme by ",
    "website by ",
    "site by ",
    "built with ",
    "made with ",
    "erstellt mit ",
    "realisiert von ",
    "propulsé par ",
    "desarrollado por ",
    "сайт разработан",
    "создание сайта",
)

# The breadcrumb trail's first crumb, and the labels that announce a trail.
BREADCRUMB_HEADS = frozenset(
    """home|homepage|start|startseite|accueil|inicio|portada|главная|strona główna|home page
you are here|sie sind hier|vous êtes ici|usted está aquí|вы здесь|jesteś tutaj|ti trovi in
""".replace("\n", "|").split("|")
) - {""}

"""The rules coding/pseudonyms.py detects identifiers with: patterns, the codice fiscale check character,
and the capitalised words of Italian that are not names.
"""

import re

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")

# Sixteen characters; digits may be replaced by letters (omocodia) where two people would collide.
_DIGIT = "[0-9LMNPQRSTUV]"
FISCAL_CODE = re.compile(
    rf"(?<![\w])[A-Z]{{6}}{_DIGIT}{{2}}[ABCDEHLMPRST]{_DIGIT}{{2}}[A-Z]{_DIGIT}{{3}}[A-Z](?![\w])",
    re.IGNORECASE,
)

# An optional +39 / 0039, then a number starting with 3 (mobile) or 0 (landline), digits in groups.
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)\s?39[\s./-]?)?[03]\d(?:[\s./-]?\d){4,10}(?!\w)")
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")

_STREET = (
    r"(?i:via|viale|v\.le|piazza|p\.zza|piazzale|corso|c\.so|largo|vicolo|vico|contrada|c\.da|strada|"
    r"lungomare|traversa|borgo)"
)
_NAME_WORD = rf"[{_UPPER}0-9][\w'’.]*"
_LINK = r"(?:di|de|del|della|dei|degli|delle|d'|d’|da|dal|e|san|santa|sant'|sant’)"
ADDRESS = re.compile(
    rf"(?<!\w){_STREET}\s+(?:{_LINK}\s*)?{_NAME_WORD}(?:\s+(?:{_LINK}\s*)?{_NAME_WORD}){{0,4}}"
    rf",?\s+(?:n\.\s*|civico\s+)?\d{{1,4}}(?:\s?/?\s?[A-Za-z](?![\w]))?(?:\s?bis)?(?![\w])"
)

CAPITALISED_RUN = re.compile(
    rf"(?<![\w'’])[{_UPPER}][{_LOWER}'’]+(?:[ ](?:(?:de|di|da|del|della|dal|lo|la|van|von)[ ])?"
    rf"[{_UPPER}][{_LOWER}'’]+)*(?![\w])"
)

_PARTICLES = "de di da del della dal dei lo la van von d' d’"
PARTICLES = frozenset(_PARTICLES.split())
_ABBREVIATIONS = "dott dott.ssa dr prof prof.ssa sig sig.ra avv ing arch geom"
ABBREVIATIONS = frozenset(_ABBREVIATIONS.split())

# Words written with a capital in Italian that are not people's names: institutions, services, days,
# months, festivities, honorifics, common sentence openers and function words.
_COMMON = """
    comune comuni regione provincia stato repubblica tribunale procura questura prefettura carabinieri polizia
    asl asp servizio servizi sociale sociali centro centri ufficio piano zona ambito distretto consultorio
    caritas parrocchia chiesa ospedale scuola scuole istituto liceo università ministero governo inps inail
    reddito cittadinanza inclusione assegno unico serd sert neuropsichiatria salute mentale famiglia famiglie
    natale pasqua ferragosto capodanno dio madonna gesù signore signora signor dottore dottoressa dott dottor
    professore professoressa prof maestra maestro avvocato giudice presidente sindaco assessore
    lunedì martedì mercoledì giovedì venerdì sabato domenica gennaio febbraio marzo aprile maggio giugno
    luglio agosto settembre ottobre novembre dicembre italia europa internet whatsapp facebook instagram
    covid scienze educazione psicologia sociologia giurisprudenza lettere terzo settore onlus
    il lo la i gli le un uno una del della dei nel nella e ed o ma però poi quindi allora anche se che
    come quando dove perché io tu lui lei noi voi loro questo questa quello quella ci si non sì no
    buongiorno buonasera grazie ecco bene beh allora infatti comunque insomma dunque certo
"""
COMMON_CAPITALISED = frozenset(_COMMON.split())


def valid_fiscal_code(code: str) -> bool:
    """Whether a 16-character codice fiscale has the right check character (its last letter)."""
    code = code.upper()
    if len(code) != 16 or not code.isalnum():
        return False
    total = sum(_ODD[ch] if n % 2 == 0 else _EVEN[ch] for n, ch in enumerate(code[:15]))
    return code[15] == chr(ord("A") + total % 26)


def is_phone_number(candidate: str) -> bool:
    """Whether a PHONE match has as many digits as an Italian mobile (9–10) or landline (6–11) number."""
    if _DATE.fullmatch(candidate.strip()):
        return False
    digits = re.sub(r"\D", "", candidate)
    prefixed = candidate.lstrip().startswith(("+", "00")) and digits.startswith(("39", "0039"))
    if prefixed:
        digits = digits[4:] if digits.startswith("0039") else digits[2:]
    if digits.startswith("3"):
        return 9 <= len(digits) <= 10
    return digits.startswith("0") and 6 <= len(digits) <= 11


_ODD_VALUES = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]
_ODD = {**{str(d): _ODD_VALUES[d] for d in range(10)}, **{chr(65 + n): v for n, v in enumerate(_ODD_VALUES)}}
_EVEN = {**{str(d): d for d in range(10)}, **{chr(65 + n): n for n in range(26)}}

"""The QR code of a badge, encoded fast enough for a sheet of a thousand badges.

The ``qrcode`` package builds each code from scratch (function patterns, a polynomial class
for the error correction, a mask function called per module): 0.5 ms a code, half the time
of a thousand badges. Every badge code has the same shape — byte mode, level M, mask 2 —
so what does not depend on the token is computed once per QR version (the function
patterns, the format information, where each data bit goes and whether the mask flips it),
and a token costs its Reed-Solomon codewords and one pass over its bits. The result is the
very matrix ``qrcode`` gives for the same choices (tests compare them).
"""

from functools import lru_cache
from operator import itemgetter

import qrcode
from qrcode import base

NIVEAU = qrcode.constants.ERROR_CORRECT_M
MASQUE = 2  # any mask gives a valid code; trying all eight costs 6 ms a code
VERSION_MAX = 9  # byte-mode lengths take 8 bits up to version 9: up to 180 bytes at M

# GF(256) with the QR code's polynomial, as exponent and logarithm tables.
_EXP, _LOG = [0] * 512, [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i], _LOG[_x] = _x, _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@lru_cache(maxsize=None)
def _produits(n: int) -> tuple[int, ...]:
    """For each byte c, c times the generator polynomial of ``n`` EC codewords (leading
    term left out), as an integer of ``n`` bytes: the division is then one lookup a byte."""
    poly = [1]
    for i in range(n):
        suivant = poly + [0]
        for j, coef in enumerate(poly):
            if coef:
                suivant[j + 1] ^= _EXP[_LOG[coef] + i]
        poly = suivant
    produits = [0]
    for c in range(1, 256):
        produits.append(int.from_bytes(bytes(_EXP[_LOG[c] + _LOG[g]] if g else 0
                                             for g in poly[1:]), "big"))
    return tuple(produits)


def _correction(donnees: list[int], n: int) -> list[int]:
    """The ``n`` Reed-Solomon codewords of ``donnees`` (a shift register over GF(256))."""
    produits, haut, masque = _produits(n), 8 * (n - 1), (1 << 8 * n) - 1
    reste = 0
    for octet in donnees:
        reste = ((reste << 8) & masque) ^ produits[octet ^ (reste >> haut)]
    return list(reste.to_bytes(n, "big"))


@lru_cache(maxsize=None)
def _gabarit(version: int):
    """What a token does not change, for one version: the side, the data capacity and
    blocks, the number of data modules, the mask over them as an integer, and how to
    gather the matrix (row after row) from « data bits then function modules »."""
    qr = qrcode.QRCode(version=version, error_correction=NIVEAU, border=0,
                       mask_pattern=MASQUE)
    n = qr.modules_count = version * 4 + 17
    qr.modules = [[None] * n for _ in range(n)]
    qr.setup_position_probe_pattern(0, 0)
    qr.setup_position_probe_pattern(n - 7, 0)
    qr.setup_position_probe_pattern(0, n - 7)
    qr.setup_position_adjust_pattern()
    qr.setup_timing_pattern()
    qr.setup_type_info(False, MASQUE)
    if version >= 7:
        qr.setup_type_number(False)
    places = []
    row, inc = n - 1, -1
    for col in range(n - 1, 0, -2):  # the zigzag of the standard (qrcode's map_data)
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                if qr.modules[row][c] is None:
                    places.append((row, c))
            row += inc
            if row < 0 or row >= n:
                row -= inc
                inc = -inc
                break
    rang = {place: k for k, place in enumerate(places)}
    fixes = "".join("1" if v else "0" for ligne in qr.modules for v in ligne)
    cueillette = [rang[(r, c)] if (r, c) in rang else len(places) + r * n + c
                  for r in range(n) for c in range(n)]
    masque = int("".join("1" if c % 3 == 0 else "0" for _, c in places), 2)  # mask 2
    blocs = base.rs_blocks(version, NIVEAU)
    return (n, sum(b.data_count for b in blocs), blocs, len(places), masque, fixes,
            itemgetter(*cueillette))


def _version(longueur: int) -> int | None:
    for version in range(1, VERSION_MAX + 1):
        if 4 + 8 + 8 * longueur <= _gabarit(version)[1] * 8:
            return version
    return None


def lignes(token: str) -> list[str]:
    """The QR code of ``token`` (byte mode, level M, mask 2), a string of « 0 » (light)
    and « 1 » (dark) per row."""
    donnees = token.encode("utf-8")
    version = _version(len(donnees))
    if version is None:  # longer than any badge token: the package does it
        code = qrcode.QRCode(error_correction=NIVEAU, border=0, mask_pattern=MASQUE)
        code.add_data(qrcode.util.QRData(donnees, mode=qrcode.util.MODE_8BIT_BYTE))
        code.make(fit=True)
        return ["".join("1" if v else "0" for v in ligne) for ligne in code.get_matrix()]
    n, capacite, blocs, places, masque, fixes, cueillir = _gabarit(version)
    # Mode (0100), length on 8 bits, the bytes, a terminator of four zero bits, then the
    # pad bytes 0xEC 0x11 in turn.
    bits = (0b0100 << 8 | len(donnees)) << (8 * len(donnees)) | int.from_bytes(donnees, "big")
    nbits = 12 + 8 * len(donnees)
    terminateur = min(4, capacite * 8 - nbits)
    bits <<= terminateur
    nbits += terminateur
    if nbits % 8:
        bits <<= 8 - nbits % 8
        nbits += 8 - nbits % 8
    mots = list(bits.to_bytes(nbits // 8, "big"))
    mots += [(0xEC, 0x11)[i % 2] for i in range(capacite - len(mots))]
    # Blocks, their error correction, then interleaved as the standard reads them.
    parts, ecs, debut = [], [], 0
    for bloc in blocs:
        part = mots[debut:debut + bloc.data_count]
        debut += bloc.data_count
        parts.append(part)
        ecs.append(_correction(part, bloc.total_count - bloc.data_count))
    flux = [p[i] for i in range(max(map(len, parts))) for p in parts if i < len(p)]
    flux += [e[i] for i in range(max(map(len, ecs))) for e in ecs if i < len(e)]
    # The bits in the order they fill the data modules (remainder bits zero), masked, then
    # gathered row after row among the function modules.
    valeur = int.from_bytes(bytes(flux), "big") << (places - 8 * len(flux))
    donnees_masquees = format(valeur ^ masque, f"0{places}b")
    plat = "".join(cueillir(donnees_masquees + fixes))
    return [plat[r * n:(r + 1) * n] for r in range(n)]


def matrice(token: str) -> list[list[bool]]:
    """The same code as rows of booleans (True: dark), as ``qrcode`` gives it."""
    return [[c == "1" for c in ligne] for ligne in lignes(token)]

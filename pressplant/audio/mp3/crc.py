"""CRC-16/ARC (poly 0x8005 reflected, init 0): LAME's CRC_update_lookup, FFmpeg's AV_CRC_16_ANSI_LE.

The LAME tag holds two: one over the tag frame itself (a few hundred bytes, crc16_arc) and one over
all the audio (megabytes, MusicCrc at numpy speed).
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

BLOCK_BYTES = 1 << 20
"""MusicCrc.update() takes the audio in blocks of this size; only the stream's last may be shorter."""

_LANES = 8192  # each block is cut into this many lanes of BLOCK_BYTES // _LANES bytes
_U16 = npt.NDArray[np.uint16]
_BitMatrix = tuple[int, ...]  # a 16x16 matrix over GF(2): the images of the 16 unit vectors


def crc16_arc(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of `data`, continuing from `crc`: byte by byte, for short data such as the tag."""
    table = _byte_step_table()
    for byte in data:
        crc = (crc >> 8) ^ int(table[(crc ^ byte) & 0xFF])
    return crc


class MusicCrc:
    """CRC-16/ARC of the audio stream at numpy speed.

    A CRC that starts at 0 is linear: a block is cut into lanes whose CRCs run side by side, two
    bytes a step, and are folded pairwise, crc(a + b) = shift(crc(a), len(b)) ^ crc(b), where
    shift() is the register's response to zero bytes, a 16x16 bit matrix.
    """

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: memoryview) -> None:
        """Add `data`: a whole block of BLOCK_BYTES, or a shorter one as the stream's last."""
        count = len(data)
        if count < BLOCK_BYTES:  # leading zeros leave a CRC that starts at 0 unchanged
            data = memoryview(bytes(BLOCK_BYTES - count) + data)
        words = np.frombuffer(data, dtype="<u2").reshape(_LANES, -1)
        word_table, folds = _block_tables()
        lanes = np.zeros(_LANES, dtype=np.uint16)
        for column in words.T:
            lanes = word_table[lanes ^ column]
        for low, high in folds:
            lanes = low[lanes[0::2] & 0xFF] ^ high[lanes[0::2] >> 8] ^ lanes[1::2]
        self.value = _apply(_zero_bytes(count), self.value) ^ int(lanes[0])


@functools.cache
def _byte_step_table() -> _U16:
    """The register after one byte, for each of the 256 values of (register ^ byte) & 0xFF."""
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ 0xA001, table >> 1)
    return table.astype(np.uint16)


@functools.cache
def _block_tables() -> tuple[_U16, list[tuple[_U16, _U16]]]:
    """The two-byte step, and for each fold level the shift over one lane's length, byte by byte."""
    table = _byte_step_table()
    x = np.arange(65536, dtype=np.uint32)
    low = table[x & 0xFF].astype(np.uint32)
    word_table = ((low >> 8) ^ table[((x >> 8) ^ low) & 0xFF]).astype(np.uint16)
    folds, lane_shift = [], _zero_bytes(BLOCK_BYTES // _LANES)
    for _ in range(_LANES.bit_length() - 1):  # each level halves the lanes and doubles their length
        folds.append((_byte_table(lane_shift, 0), _byte_table(lane_shift, 8)))
        lane_shift = tuple(_apply(lane_shift, column) for column in lane_shift)
    return word_table, folds


@functools.lru_cache(maxsize=8)
def _zero_bytes(count: int) -> _BitMatrix:
    """The register's response to `count` zero bytes, by squaring the one-byte step."""
    table = _byte_step_table()
    power: _BitMatrix = tuple((1 << i >> 8) ^ int(table[1 << i & 0xFF]) for i in range(16))
    result: _BitMatrix = tuple(1 << i for i in range(16))
    while count:
        if count & 1:
            result = tuple(_apply(power, column) for column in result)
        power = tuple(_apply(power, column) for column in power)
        count >>= 1
    return result


def _byte_table(matrix: _BitMatrix, bit_offset: int) -> _U16:
    """`matrix` applied to each of the 256 values of one byte placed at bit `bit_offset`."""
    byte, result = np.arange(256, dtype=np.uint16), np.zeros(256, dtype=np.uint16)
    for bit in range(8):
        result ^= np.where(byte >> bit & 1, np.uint16(matrix[bit + bit_offset]), np.uint16(0))
    return result


def _apply(matrix: _BitMatrix, value: int) -> int:
    result = 0
    for bit, column in enumerate(matrix):
        if value >> bit & 1:
            result ^= column
    return result

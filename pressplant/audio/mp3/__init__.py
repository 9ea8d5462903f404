"""MP3 renditions: LAME encodes the audio; the Xing/Info frame with its LAME tag is written here.

- encode.py: encode_mp3() feeds LAME, streams its frames to the file, then writes the Xing frame.
- lame.py: LAME's C API from the lameenc wheel, through ctypes, with FFmpeg's settings.
- frames.py: MPEG audio frame headers, and the writer that reads each one on its way to the file.
- xing.py: the Xing/Info frame, its seek table and the LAME tag, as LAME's VbrTag.c writes them
  (the tests check that the frame equals the one LAME itself writes, byte for byte).
- crc.py: CRC-16/ARC, for the tag frame and, at numpy speed, for all the audio.
"""

from __future__ import annotations

from pressplant.audio.mp3.crc import crc16_arc
from pressplant.audio.mp3.encode import Mp3Result, encode_mp3
from pressplant.audio.mp3.lame import Lame as _Lame  # the tests drive LAME directly for a reference
from pressplant.audio.mp3.lame import LameTag

__all__ = ["LameTag", "Mp3Result", "_Lame", "crc16_arc", "encode_mp3"]

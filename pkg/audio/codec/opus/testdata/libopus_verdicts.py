#!/usr/bin/env python3
"""libopus_verdicts.py writes libopus.verdicts: packets, built to hit the
edges of RFC 6716 §3 framing, with libopus's verdict on each, so that
libopus_test.go can check ParsePacket and ValidateMultistream agree with
libopus without linking it.

Run from pkg/audio/codec/opus:  python3 testdata/libopus_verdicts.py
Needs libopus (libopus.so.0) and Python 3; no other module.

Each line is one of:
  packet BYTES COUNT SIZE,SIZE,...   opus_packet_parse found COUNT frames
  packet BYTES invalid               opus_packet_parse returned an error
  multistream STREAMS BYTES SAMPLES  opus_multistream_decode played SAMPLES
  multistream STREAMS BYTES invalid  it returned OPUS_INVALID_PACKET
  fec FILE N 1|0                     FEC decoding of packet N of FILE.packets
                                     (made by gen.sh) for the loss of packet
                                     N-1 gives other audio than concealment
                                     (1) or the same (0)
BYTES is hex, with each run of 8 or more zero bytes written .N. (N zeros).
"""
import ctypes
import ctypes.util
import random

lib = ctypes.CDLL(ctypes.util.find_library("opus") or "libopus.so.0")
lib.opus_get_version_string.restype = ctypes.c_char_p
lib.opus_multistream_decoder_create.restype = ctypes.c_void_p
lib.opus_decoder_create.restype = ctypes.c_void_p
OPUS_INVALID_PACKET = -4

rng = random.Random(6716)


def length(n):
    """The RFC 6716 §3.2.1 coding of a frame length."""
    if n < 252:
        return [n]
    first = 252 + (n & 3)
    return [first, (n - first) // 4]


def edge_len():
    return rng.choice([0, 1, 2, 3, 250, 251, 252, 253, 255, 256, 1274, 1275, rng.randrange(0, 1276)])


def standard():
    """A standard packet near or across a validity edge."""
    toc = rng.randrange(256)
    code = toc & 3
    body = []
    if code == 0:
        body = [0] * rng.choice([0, 1, 5, 1275, 1276])
    elif code == 1:
        body = [0] * rng.choice([0, 1, 2, 7, 2550, 2551, 2552])
    elif code == 2:
        n = edge_len()
        body = length(n)[: rng.choice([1, 2, 2, 2])] + [0] * max(0, n + rng.choice([-1, 0, 0, 3, 1276 - n]))
    else:
        m = rng.choice([0, 1, 2, 3, 6, 12, 24, 48, 49, 63])
        vbr, pad = rng.random() < 0.5, rng.random() < 0.4
        body = [m | (0x80 if vbr else 0) | (0x40 if pad else 0)]
        padding = 0
        if pad:
            padding = rng.choice([0, 1, 254, 255, 300, 600])
            while padding >= 255 and rng.random() < 0.9:
                body.append(255)
                padding -= 254
            body.append(min(padding, 254))
            padding = min(padding, 254) + 254 * body.count(255)
        sizes = [rng.choice([0, 1, 3, 300]) for _ in range(max(m, 1))]
        if not vbr:
            sizes = [sizes[0]] * max(m, 1)
        if vbr:
            for s in sizes[:-1]:
                body += length(s)
        frames = sum(sizes) + rng.choice([0, 0, 0, -1, 1])
        body += [0] * max(0, frames) + [0] * max(0, padding + rng.choice([0, 0, -1]))
        if rng.random() < 0.1:
            body = body[: rng.randrange(len(body) + 1)]
    return bytes([toc] + body)


def self_delimited():
    """A self-delimited packet: a length added where RFC 6716 Appendix B
    puts it, sometimes wrong."""
    toc = rng.randrange(256)
    code = toc & 3
    if code == 0:
        n = rng.choice([0, 1, 3, 300])
        b = length(n) + [0] * n
    elif code == 1:
        n = rng.choice([0, 1, 3, 300])
        b = length(n) + [0] * (2 * n)
    elif code == 2:
        n1, n2 = rng.choice([0, 1, 3]), rng.choice([0, 2, 300])
        b = length(n1) + length(n2) + [0] * (n1 + n2)
    else:
        m = rng.choice([0, 1, 2, 3, 6, 49])
        vbr, pad = rng.random() < 0.5, rng.random() < 0.3
        b = [m | (0x80 if vbr else 0) | (0x40 if pad else 0)]
        padding = 0
        if pad:
            padding = rng.choice([0, 2, 254])
            b.append(padding)
        sizes = [rng.choice([0, 1, 3]) for _ in range(max(m, 1))]
        if vbr:
            for s in sizes:
                b += length(s)
        else:
            sizes = [sizes[0]] * max(m, 1)
            b += length(sizes[0])
        b += [0] * sum(sizes) + [0] * padding
    cut = rng.random()
    if cut < 0.1:
        b = b[: rng.randrange(len(b) + 1)]
    elif cut < 0.15:
        b = b[:-1] if b else b
    return bytes([toc] + b)


def compact(data):
    """data in hex, runs of 8 or more zeros written as .N."""
    out, i = [], 0
    while i < len(data):
        j = i
        while j < len(data) and data[j] == 0:
            j += 1
        if j - i >= 8:
            out.append(".%d." % (j - i))
            i = j
        else:
            out.append("%02x" % data[i])
            i += 1
    return "".join(out)


def frames(p):
    """The frame count of a packet's TOC and count byte (0 if unknown)."""
    code = p[0] & 3
    if code == 0:
        return 1
    if code < 3:
        return 2
    return p[1] & 0x3F if len(p) > 1 else 0


def parse(data):
    toc = ctypes.c_ubyte()
    frames = (ctypes.c_void_p * 48)()
    sizes = (ctypes.c_int16 * 48)()
    offset = ctypes.c_int()
    buf = ctypes.create_string_buffer(data, len(data))
    n = lib.opus_packet_parse(buf, len(data), ctypes.byref(toc), frames, sizes, ctypes.byref(offset))
    if n < 0:
        return "invalid"
    return "%d %s" % (n, ",".join(str(sizes[i]) for i in range(n)))


def multistream(streams, data):
    err = ctypes.c_int()
    mapping = (ctypes.c_ubyte * streams)(*range(streams))
    dec = lib.opus_multistream_decoder_create(48000, streams, streams, 0, mapping, ctypes.byref(err))
    assert err.value == 0, err.value
    pcm = (ctypes.c_int16 * (5760 * streams))()
    buf = ctypes.create_string_buffer(data, len(data))
    n = lib.opus_multistream_decode(ctypes.c_void_p(dec), buf, len(data), pcm, 5760, 0)
    lib.opus_multistream_decoder_destroy(ctypes.c_void_p(dec))
    if n == OPUS_INVALID_PACKET:
        return "invalid"
    assert n > 0, n
    return str(n)


def fec_effective(name):
    """For each packet N >= 1 of a .packets file, whether decoding it with
    decode_fec in place of the lost packet N-1 gives other audio than
    concealment: two copies of the decoder state after packets 0..N-2, one
    run on packet N with decode_fec, one concealing, compared."""
    packets = []
    with open("testdata/%s.packets" % name) as f:
        for line in f:
            if not line.startswith("#"):
                packets.append(bytes.fromhex(line.split()[0]))
    channels = 2 if packets[0][0] & 4 else 1
    size = lib.opus_decoder_get_size(channels)
    err = ctypes.c_int()
    dec = lib.opus_decoder_create(48000, channels, ctypes.byref(err))
    assert err.value == 0
    out = []
    for n, p in enumerate(packets):
        if n >= 1:
            lost = lib.opus_packet_get_nb_samples(packets[n - 1], len(packets[n - 1]), 48000)
            a, b = ctypes.create_string_buffer(size), ctypes.create_string_buffer(size)
            ctypes.memmove(a, dec, size)  # libopus decoder states are flat
            ctypes.memmove(b, dec, size)
            pa, pb = (ctypes.c_int16 * (5760 * 2))(), (ctypes.c_int16 * (5760 * 2))()
            assert lib.opus_decode(a, p, len(p), pa, lost, 1) == lost
            assert lib.opus_decode(b, None, 0, pb, lost, 0) == lost
            out.append("fec %s %d %d" % (name, n, bytes(pa) != bytes(pb)))
        pcm = (ctypes.c_int16 * (5760 * 2))()
        assert lib.opus_decode(ctypes.c_void_p(dec), p, len(p), pcm, 5760, 0) > 0
    lib.opus_decoder_destroy(ctypes.c_void_p(dec))
    return out


def main():
    lines = ["# made by testdata/libopus_verdicts.py with " + lib.opus_get_version_string().decode()]
    for _ in range(1500):
        p = standard()
        lines.append("packet %s %s" % (compact(p), parse(p)))
    for _ in range(1500):
        streams = rng.choice([1, 2, 2, 3, 4])
        parts = [self_delimited() for _ in range(streams - 1)]
        # Mostly streams of one duration: the configuration of the first and
        # its frame count, each stream in a framing of its own.
        if rng.random() < 0.7 and parts:
            first = parts[0][0] & 0xFC
            want = frames(parts[0])
            for i in range(1, len(parts)):
                for _ in range(100):
                    if frames(parts[i]) == want:
                        break
                    parts[i] = self_delimited()
                parts[i] = bytes([first | (parts[i][0] & 3)]) + parts[i][1:]
            if want == 1:
                last = bytes([first]) + bytes(rng.choice([0, 1, 3]))
            elif want == 2:
                last = bytes([first | 1]) + bytes(rng.choice([0, 2]))
            else:  # code 3 CBR, empty frames (or no frames at all)
                last = bytes([first | 3, want & 0x3F])
        else:
            last = bytes([rng.randrange(256)]) + bytes(rng.choice([0, 1, 3]))
        data = b"".join(parts) + (last if rng.random() < 0.95 else b"")
        if len(data) == 0:
            continue
        lines.append("multistream %d %s %s" % (streams, compact(data), multistream(streams, data)))
    for name in ["fec20", "nofec20", "fec60", "stereofec20", "dualmono20", "silk20", "silk60", "hybrid60"]:
        lines += fec_effective(name)
    with open("testdata/libopus.verdicts", "w") as f:
        f.write("\n".join(lines) + "\n")


main()

#!/usr/bin/python3
"""A live H.264 RTSP test stream on loopback, for the Stream tests.

Usage: /usr/bin/python3 rtsp_server.py PORT [WIDTH HEIGHT] [--split-keyframes]

Serves rtsp://127.0.0.1:PORT/test: GStreamer's videotestsrc at 25 fps, encoded with x264 for low latency
(a keyframe every second, parameter sets repeated with every keyframe), shared by every client. Prints
"ready PORT" on stdout once the server listens, then runs until killed or until its stdin closes (so that it
dies with the test process that holds the other end). Exits 2 when the port is taken.

With --split-keyframes the payloader also puts the parameter sets before every slice of a keyframe, between
the slices of one picture (x264's zerolatency tune cuts every picture into slices). H.264 says a parameter
set after a slice starts a new access unit, so FFmpeg decodes each keyframe as two damaged half pictures.
Some cameras send this; the tests use it to check that the damage is counted.

Needs Debian's python3-gi, gir1.2-gst-rtsp-server-1.0 and the GStreamer plugins (base, good, ugly for
x264enc); run it with /usr/bin/python3, whose site packages hold gi.
"""

import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    arguments = [a for a in sys.argv[1:] if a != "--split-keyframes"]
    if len(arguments) not in (1, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 64
    port = arguments[0]
    width, height = (arguments[1], arguments[2]) if len(arguments) == 3 else ("640", "480")
    # x264 itself puts the parameter sets before every keyframe; config-interval=-1 adds them before every
    # keyframe slice as well.
    config_interval = -1 if "--split-keyframes" in sys.argv else 0
    Gst.init(None)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,width={width},height={height},framerate=25/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
        f"! rtph264pay name=pay0 pt=96 config-interval={config_interval} )"
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory("/test", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr)
        return 2

    loop = GLib.MainLoop()

    def on_stdin(channel, condition):
        if condition & (GLib.IO_HUP | GLib.IO_ERR) or not os.read(channel.unix_get_fd(), 4096):
            loop.quit()
            return False
        return True

    GLib.io_add_watch(
        GLib.IOChannel.unix_new(sys.stdin.fileno()),
        GLib.PRIORITY_DEFAULT,
        GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR,
        on_stdin,
    )
    print(f"ready {port}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

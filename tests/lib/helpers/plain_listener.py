#!/usr/bin/env python3
"""plain_listener.py PORT: a listener on 0.0.0.0:PORT WITHOUT SO_REUSEPORT; prints `ready`,
then holds the port for 60 s. (bad_input)"""
import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); print("ready", flush=True); time.sleep(60)

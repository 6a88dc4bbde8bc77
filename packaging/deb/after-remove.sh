#!/bin/sh
set -e
if [ -L /usr/bin/framescope ] && [ ! -e /usr/bin/framescope ]; then rm -f /usr/bin/framescope; fi

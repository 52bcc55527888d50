#!/bin/sh
# would prove that a function ran
touch "${HOSTILE_MARKERS:-/tmp}/krm-exec-ran"
cat

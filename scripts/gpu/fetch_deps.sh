#!/usr/bin/env bash
# Run on a Debian 12 workstation: downloads the small libraries a GPU server may lack
# (SentencePiece, nlohmann-json) as .deb files into .gpudeps/, to be carried to the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpudeps
cd .gpudeps
apt-get download libsentencepiece0 libsentencepiece-dev nlohmann-json3-dev >/dev/null
ls

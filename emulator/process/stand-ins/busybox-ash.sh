#!/bin/sh
# Builds upstream BusyBox's ash, the /bin/sh of the busybox and alpine images, for process mode
# (emulator/process/stand-in-build.ts runs it once and caches the result).
#   busybox-ash.sh OUT WORKDIR
# The source is Debian's source package of busybox, fetched with apt-get from the deb-src twins
# of this machine's own apt sources. Only the pristine upstream tarball is built: Debian's
# patches make ash drop inherited variables whose names are not shell identifiers (`data-1`),
# which upstream ash keeps for the commands it runs, as the images do. Only the shell is
# built: every other command comes from the host userland, as for the other shell images.
set -eu
out=$1
work=$2
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial" "$work/src"

for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && sed -E 's/^Types:.*/Types: deb-src/' "$f" >"$work/parts/${f##*/}"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && sed -nE 's/^deb([[:space:]])/deb-src\1/p' "$f" >>"$work/parts/machine.list"
done
: >"$work/empty.list"
apt() {
  apt-get -q -o Dir::Etc::sourcelist="$work/empty.list" -o Dir::Etc::sourceparts="$work/parts" \
    -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o APT::Sandbox::User=root "$@"
}
apt update >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
cd "$work/src"
apt source --download-only busybox >>"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
tar -xf busybox_*.orig.tar.*
cd busybox-*/

# Nothing but ash, with the shell features of upstream's defconfig.
make allnoconfig >/dev/null
for name in SH_IS_ASH SHELL_ASH ASH ASH_OPTIMIZE_FOR_SIZE ASH_INTERNAL_GLOB ASH_BASH_COMPAT \
  ASH_JOB_CONTROL ASH_ALIAS ASH_RANDOM_SUPPORT ASH_EXPAND_PRMT ASH_ECHO ASH_PRINTF ASH_TEST \
  ASH_HELP ASH_GETOPTS ASH_CMDCMD FEATURE_SH_MATH FEATURE_SH_MATH_64 FEATURE_SH_MATH_BASE \
  FEATURE_SH_EXTRA_QUIET FEATURE_SH_READ_FRAC LONG_OPTS FEATURE_FANCY_ECHO FEATURE_EDITING \
  FEATURE_EDITING_FANCY_PROMPT FEATURE_EDITING_WINCH FEATURE_TAB_COMPLETION; do
  sed -i "s/^# CONFIG_$name is not set\$/CONFIG_$name=y/" .config
done
yes '' | make oldconfig >/dev/null 2>&1 || true
grep -q '^CONFIG_FEATURE_SH_MATH=y$' .config || { echo 'busybox: ash configuration failed' >&2; exit 1; }
make -j"$(nproc)" busybox >"$work/make.log" 2>&1 || { tail -20 "$work/make.log" >&2; exit 1; }
cp busybox "$out"

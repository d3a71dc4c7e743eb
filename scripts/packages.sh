# Debian 12 packages Gatehouse builds, runs and tests with. Sourced by scripts/run, scripts/test
# and scripts/package so that one list is kept.
GATEHOUSE_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev qt6-charts-dev libqt6opengl6-dev libqt6sql6-psql
  libgl-dev libvulkan-dev
  libhiredis-dev libssl-dev qtkeychain-qt6-dev libqrencode-dev libyaml-cpp-dev uap-core
  libloc-dev libmaxminddb-dev libphonenumber-dev libcurl4-openssl-dev librsvg2-bin
)
GATEHOUSE_RUNTIME_PACKAGES=(postgresql redis-server passwd util-linux libloc-database location qt6-image-formats-plugins libqt6charts6 libqt6svg6)
GATEHOUSE_TEST_PACKAGES=(xvfb xauth dbus gnome-keyring wrk curl procps iproute2 libmaxmind-db-writer-perl nginx python3-aiosmtpd oathtool zbar-tools chromium nodejs)

# Installs whatever of the given packages is missing; runs apt-get update first, as root or
# through sudo. Does nothing (and needs no root) when all are present.
gatehouse_install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "Installing Debian packages: ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

#pragma once

#include "server/config/Config.h"

#include <optional>

// Runs Gatehouse without a GUI until SIGTERM/SIGINT: gatehoused, and the desktop binary when
// there is no display. Returns the process exit code (0 after a clean shutdown, 1 when
// start-up failed). Requires a QCoreApplication.
namespace HeadlessMain {
int run(const Config &config);

// The shared first steps of both executables: parse the configuration, act on --help,
// --version and --check-config. Returns an exit code when the process should end now.
std::optional<int> handleConfig(const QString &program, Config *config);
}

// gatehoused: the headless server, for systemd and for several instances sharing one
// PostgreSQL and one Redis.
#include "server/runtime/HeadlessMain.h"
#include "server/runtime/ProcessEnvironment.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    ProcessEnvironment::pinLocalTimeZone();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("gatehoused"));
    QCoreApplication::setApplicationVersion(QStringLiteral(GATEHOUSE_VERSION));
    Config config;
    if (auto exitCode = HeadlessMain::handleConfig(QStringLiteral("gatehoused"), &config))
        return *exitCode;
    return HeadlessMain::run(config);
}

// gatehouse: the desktop console with the embedded server. Without a display it runs like
// gatehoused, so one command works on a workstation and on a server.
#include "keychain/KeychainSecretStore.h"
#include "server/runtime/HeadlessMain.h"
#include "server/runtime/ProcessEnvironment.h"
#include "server/runtime/ServerController.h"
#include "ui/MainWindow.h"
#include "ui/pages/SettingsPage.h"

#include <QApplication>
#include <QCoreApplication>
#include <QFile>

#include <algorithm>
#include <memory>

namespace {
bool hasDisplay()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}
} // namespace

int main(int argc, char *argv[])
{
    ProcessEnvironment::pinLocalTimeZone();
    if (!hasDisplay()) {
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("gatehouse"));
        Config config;
        if (auto exitCode = HeadlessMain::handleConfig(QStringLiteral("gatehouse"), &config))
            return *exitCode;
        return HeadlessMain::run(config);
    }
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Gatehouse"));
    QCoreApplication::setApplicationName(QStringLiteral("gatehouse"));
    QCoreApplication::setApplicationVersion(QStringLiteral(GATEHOUSE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("gatehouse"));
    // The file the Settings page edits, unless another one is named.
    const QStringList arguments = QCoreApplication::arguments();
    const bool named = std::any_of(arguments.cbegin(), arguments.cend(), [](const QString &a) {
        return a == QStringLiteral("--config") || a.startsWith(QStringLiteral("--config="));
    });
    if (!named && qEnvironmentVariableIsEmpty("GATEHOUSE_CONFIG") &&
        QFile::exists(SettingsPage::defaultConfigPath()))
        qputenv("GATEHOUSE_CONFIG", SettingsPage::defaultConfigPath().toLocal8Bit());
    Config config;
    if (auto exitCode = HeadlessMain::handleConfig(QStringLiteral("gatehouse"), &config))
        return *exitCode;
    ServerController controller(config, desktopKeychain());
    MainWindow window(&controller);
    window.show();
    controller.start();
    const int code = QApplication::exec();
    controller.shutdown();
    return code;
}

#include "HeadlessMain.h"

#include "ServerRuntime.h"
#include "UnixSignalWatcher.h"
#include "models/common/Log.h"
#include "server/config/ConfigLoader.h"
#include "server/crypto/JwtKeyRing.h"
#include "server/delivery/SecretInput.h"
#include "server/secrets/SecretStore.h"
#include "server/secrets/SecretStoreFactory.h"

#include <QDateTime>

#include <QCoreApplication>
#include <QProcessEnvironment>

#include <cstdio>

namespace {
void printLine(FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stream);
    if (!bytes.endsWith('\n'))
        std::fputc('\n', stream);
}
// The store is the instance's own (file store for gatehoused); a running server reloads it
// within a minute and publishes the new public key.
int rotateJwtKey(const QString &program, const Config &config)
{
    auto store = makeSecretStore(config); // no keychain backend: headless
    if (!store) {
        printLine(stderr, program + QStringLiteral(": ") + store.error().message);
        return 1;
    }
    JwtKeyRing keys(**store, config.accessTokenLifetimeSeconds + 60);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    if (Status opened = keys.open(now); !opened) {
        printLine(stderr, program + QStringLiteral(": ") + opened.error().message);
        return 1;
    }
    auto rotated = keys.rotate(now);
    if (!rotated) {
        printLine(stderr, program + QStringLiteral(": ") + rotated.error().message);
        return 1;
    }
    printLine(stdout, QStringLiteral("new signing key %1; tokens of the previous key stay valid until they expire").arg(*rotated));
    return 0;
}
} // namespace

namespace HeadlessMain {

std::optional<int> handleConfig(const QString &program, Config *config)
{
    auto loaded = ConfigLoader::load(QCoreApplication::arguments(),
                                     QProcessEnvironment::systemEnvironment());
    if (!loaded) {
        printLine(stderr, program + QStringLiteral(": ") + loaded.error().message);
        return 2;
    }
    switch (loaded->action) {
    case LoadedConfig::Action::Help:
        printLine(stdout, ConfigLoader::helpText(program));
        return 0;
    case LoadedConfig::Action::Version:
        printLine(stdout, ConfigLoader::versionText(program));
        return 0;
    case LoadedConfig::Action::CheckConfig:
        printLine(stdout, ConfigLoader::describe(loaded->config));
        return 0;
    case LoadedConfig::Action::RotateJwtKey:
        return rotateJwtKey(program, loaded->config);
    case LoadedConfig::Action::StoreSecret:
        return SecretInput::storeFromStdin(program, loaded->config, loaded->secretName);
    case LoadedConfig::Action::Run:
        break;
    }
    *config = loaded->config;
    Log::setFormat(config->logFormat);
    Log::setMinimumLevel(config->logLevel);
    return std::nullopt;
}

int run(const Config &config)
{
    ServerRuntime runtime(config);
    UnixSignalWatcher signalWatcher;
    bool stopping = false;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::received, &runtime, [&](int number) {
        if (stopping)
            return;
        stopping = true;
        Log::info(QStringLiteral("runtime.signal"), {{QStringLiteral("signal"), number}});
        runtime.shutdown();
        QCoreApplication::exit(0);
    });
    Status started = runtime.startHttp();
    if (!started) {
        Log::error(QStringLiteral("runtime.start_failed"),
                   {{QStringLiteral("code"), started.error().code},
                    {QStringLiteral("message"), started.error().message}});
        runtime.shutdown();
        return 1;
    }
    const int code = QCoreApplication::exec();
    runtime.shutdown();
    Log::info(QStringLiteral("runtime.exited"), {{QStringLiteral("code"), code}});
    return code;
}

} // namespace HeadlessMain

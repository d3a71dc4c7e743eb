#include "SecretInput.h"

#include "server/config/Config.h"
#include "server/secrets/SecretStore.h"
#include "server/secrets/SecretStoreFactory.h"

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace {
void printLine(FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stream);
}

// Reads standard input up to `limit` + 1 bytes. From a terminal only the first line, with
// echo switched off for the time it is typed (restored afterwards, also on EOF).
QByteArray readInput(qsizetype limit, bool *fromTerminal)
{
    *fromTerminal = isatty(STDIN_FILENO) == 1;
    termios saved{};
    const bool echoOff = *fromTerminal && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (echoOff) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        std::fputs("Value (not shown): ", stderr);
        std::fflush(stderr);
    }
    QByteArray value;
    char buffer[4096];
    while (value.size() <= limit) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0)
            break;
        value.append(buffer, n);
        if (*fromTerminal && value.contains('\n'))
            break;
    }
    if (echoOff)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    if (*fromTerminal && value.contains('\n'))
        value.truncate(value.indexOf('\n'));
    // `echo pw | gatehoused --store-secret …` adds a newline that is not part of the password.
    if (value.endsWith('\n'))
        value.chop(1);
    if (value.endsWith('\r'))
        value.chop(1);
    return value;
}
} // namespace

namespace SecretInput {

int storeFromStdin(const QString &program, const Config &config, const QString &name)
{
    bool fromTerminal = false;
    QByteArray value = readInput(SecretStore::kMaxValueBytes, &fromTerminal);
    if (value.isEmpty() || value.size() > SecretStore::kMaxValueBytes) {
        printLine(stderr, program + QStringLiteral(": --store-secret %1: give the value on standard "
                                                   "input (1 byte to 64 KiB), e.g. printf '%s' "
                                                   "\"$VALUE\" | %2 --store-secret %1")
                                        .arg(name, program));
        value.fill('\0');
        return 2;
    }
    auto store = makeSecretStore(config); // no keychain backend: headless, like --rotate-jwt-key
    if (!store) {
        value.fill('\0');
        printLine(stderr, program + QStringLiteral(": ") + store.error().message);
        return 1;
    }
    const Status written = (*store)->write(name, value);
    value.fill('\0');
    if (!written) {
        printLine(stderr, program + QStringLiteral(": ") + written.error().message);
        return 1;
    }
    printLine(stdout, QStringLiteral("stored %1 in the %2; restart the server to use it")
                          .arg(name, (*store)->describe()));
    return 0;
}

} // namespace SecretInput

#include "keychain/KeychainSecretStore.h"

#include "server/config/Config.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QSaveFile>
#include <QSemaphore>
#include <QThread>
#include <functional>
#include <memory>
#include <qt6keychain/keychain.h>

namespace {

// The one thread all QtKeychain jobs run in (see the header). Created on first use, stopped
// when the QCoreApplication goes away.
QMutex g_threadMutex;
QThread *g_thread = nullptr;
QObject *g_context = nullptr; // lives in g_thread; the target of queued calls
bool g_stopped = false;

void stopKeychainThread()
{
    QMutexLocker locker(&g_threadMutex);
    g_stopped = true;
    if (!g_thread)
        return;
    g_thread->quit();
    // Jobs are asynchronous, so the loop quits at once; if it does not, leak rather than block
    // the exit or destroy a running thread.
    if (g_thread->wait(2000)) {
        delete g_context;
        delete g_thread;
    }
    g_context = nullptr;
    g_thread = nullptr;
}

QObject *keychainContext()
{
    QMutexLocker locker(&g_threadMutex);
    if (g_stopped || !QCoreApplication::instance())
        return nullptr;
    if (!g_thread) {
        g_thread = new QThread;
        g_thread->setObjectName(QStringLiteral("keychain"));
        g_context = new QObject;
        g_context->moveToThread(g_thread);
        g_thread->start();
        qAddPostRoutine(stopKeychainThread);
    }
    return g_context;
}

// What a job reported; shared with the job's finished handler, which may outlive the caller
// when the caller timed out.
struct Outcome
{
    QSemaphore done;
    QKeychain::Error error = QKeychain::NoError;
    QString errorString;
    QByteArray data;
};

QString hint()
{
    return QStringLiteral("Unlock the keyring (log in to the desktop session, or run "
                          "gnome-keyring-daemon --unlock), or start Gatehouse with "
                          "--secret-store file.");
}

Error unavailable(const QString &why)
{
    return makeError(
        QString(SecretStore::kUnavailable),
        QStringLiteral("The keychain (Secret Service) is not available: %1. %2").arg(why, hint()));
}

// Runs the job `makeJob` creates in the keychain thread and waits for it. The job is created,
// started and deleted there; only the outcome crosses threads (ordered by the semaphore).
std::shared_ptr<Outcome> runJob(const std::function<QKeychain::Job *()> &makeJob, int timeoutMs,
                                Error *failure)
{
    QObject *context = keychainContext();
    if (!context) {
        *failure = unavailable(QStringLiteral("the application is not running"));
        return nullptr;
    }
    if (QThread::currentThread() == context->thread()) {
        *failure = unavailable(QStringLiteral("called from the keychain thread"));
        return nullptr;
    }
    auto outcome = std::make_shared<Outcome>();
    QMetaObject::invokeMethod(
        context,
        [makeJob, outcome] {
            QKeychain::Job *job = makeJob();
            job->setAutoDelete(false);
            job->setInsecureFallback(false); // never plain text in QSettings
            QObject::connect(
                job, &QKeychain::Job::finished, job, [outcome](QKeychain::Job *finished) {
                    outcome->error = finished->error();
                    outcome->errorString = finished->errorString();
                    if (auto *read = qobject_cast<QKeychain::ReadPasswordJob *>(finished))
                        outcome->data = read->binaryData();
                    finished->deleteLater();
                    outcome->done.release();
                });
            job->start();
        },
        Qt::QueuedConnection);
    if (!outcome->done.tryAcquire(1, timeoutMs)) {
        *failure = makeError(
            QString(SecretStore::kUnavailable),
            QStringLiteral("The keychain (Secret Service) did not answer within %1 s; is the "
                           "keyring locked and waiting for its password? %2")
                .arg(timeoutMs / 1000.0)
                .arg(hint()));
        return nullptr;
    }
    return outcome;
}

} // namespace

KeychainSecretStore::KeychainSecretStore(const QString &dataDir, int timeoutMs)
    : m_dataDir(dataDir), m_service(serviceFor(dataDir)), m_timeoutMs(timeoutMs)
{
}

QString KeychainSecretStore::serviceFor(const QString &dataDir)
{
    const QFileInfo info(dataDir);
    const QString canonical =
        info.exists() ? info.canonicalFilePath() : QDir::cleanPath(info.absoluteFilePath());
    const QByteArray hash =
        QCryptographicHash::hash(QFile::encodeName(canonical), QCryptographicHash::Sha256).toHex();
    return QStringLiteral("io.gatehouse.Gatehouse/") + QString::fromLatin1(hash.left(16));
}

QString KeychainSecretStore::describe() const
{
    return QStringLiteral("keychain (Secret Service)");
}

QString KeychainSecretStore::indexPathFor(const QString &dataDir)
{
    return keychainIndexPath(dataDir);
}

bool KeychainSecretStore::holdsKeysOf(const QString &dataDir)
{
    return keychainHoldsKeysOf(dataDir);
}

QStringList KeychainSecretStore::indexedNames() const
{
    QFile index(indexPathFor(m_dataDir));
    if (!index.open(QIODevice::ReadOnly))
        return {};
    QStringList names =
        QString::fromUtf8(index.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (!names.isEmpty())
        names.removeFirst(); // "keychain"
    return names;
}

Status KeychainSecretStore::saveIndex(const QStringList &names)
{
    QSaveFile index(indexPathFor(m_dataDir));
    const QByteArray text =
        (QStringList{QStringLiteral("keychain")} + names).join(QLatin1Char('\n')).toUtf8() + '\n';
    if (!index.open(QIODevice::WriteOnly) || index.write(text) != text.size() || !index.commit())
        return makeError(
            QString(kUnavailable),
            QStringLiteral("Cannot write %1: %2").arg(index.fileName(), index.errorString()));
    return {};
}

Status KeychainSecretStore::claimDataDir()
{
    if (holdsKeysOf(m_dataDir))
        return {};
    return saveIndex({});
}

Result<QByteArray> KeychainSecretStore::read(const QString &name)
{
    if (Status st = checkName(name); !st)
        return st.error();
    Error failure;
    const QString service = m_service;
    auto outcome = runJob(
        [service, name] {
            auto *job = new QKeychain::ReadPasswordJob(service);
            job->setKey(name);
            return job;
        },
        m_timeoutMs, &failure);
    if (!outcome)
        return failure;
    switch (outcome->error) {
    case QKeychain::NoError:
        if (outcome->data.isEmpty())
            return makeError(
                QString(kValueInvalid),
                QStringLiteral("The keychain entry %1 of %2 is empty").arg(name, m_service));
        return outcome->data;
    case QKeychain::EntryNotFound:
        if (indexedNames().contains(name))
            return makeError(
                QString(kUnavailable),
                QStringLiteral("The keychain did not return the secret %1, which Gatehouse stored "
                               "there (%2 lists it): the keyring is probably locked, or its unlock "
                               "prompt was dismissed. Unlock the keyring and start again. If the "
                               "entry was deleted on purpose, remove its line from %2.")
                    .arg(name, indexPathFor(m_dataDir)));
        return makeError(
            QString(kNotFound),
            QStringLiteral("There is no secret %1 in the keychain (%2)").arg(name, m_service));
    default:
        return unavailable(outcome->errorString);
    }
}

Status KeychainSecretStore::write(const QString &name, const QByteArray &value)
{
    if (Status st = checkName(name); !st)
        return st;
    if (Status st = checkValue(name, value); !st)
        return st;
    if (Status written = writeEntry(name, value); !written)
        return written;
    QStringList names = indexedNames();
    if (names.contains(name))
        return {};
    names.append(name);
    return saveIndex(names);
}

Status KeychainSecretStore::remove(const QString &name)
{
    if (Status st = checkName(name); !st)
        return st;
    if (Status removed = removeEntry(name); !removed)
        return removed;
    QStringList names = indexedNames();
    if (names.removeAll(name) == 0)
        return {};
    return saveIndex(names);
}

Status KeychainSecretStore::writeEntry(const QString &name, const QByteArray &value)
{
    Error failure;
    const QString service = m_service;
    auto outcome = runJob(
        [service, name, value] {
            auto *job = new QKeychain::WritePasswordJob(service);
            job->setKey(name);
            job->setBinaryData(value);
            return job;
        },
        m_timeoutMs, &failure);
    if (!outcome)
        return failure;
    if (outcome->error != QKeychain::NoError)
        return unavailable(outcome->errorString);
    return {};
}

Status KeychainSecretStore::removeEntry(const QString &name)
{
    Error failure;
    const QString service = m_service;
    auto outcome = runJob(
        [service, name] {
            auto *job = new QKeychain::DeletePasswordJob(service);
            job->setKey(name);
            return job;
        },
        m_timeoutMs, &failure);
    if (!outcome)
        return failure;
    if (outcome->error != QKeychain::NoError && outcome->error != QKeychain::EntryNotFound)
        return unavailable(outcome->errorString);
    return {};
}

Status KeychainSecretStore::probe()
{
    const QString name = QStringLiteral("gatehouse-probe");
    if (Status written = writeEntry(name, QByteArrayLiteral("probe")); !written)
        return written;
    return removeEntry(name);
}

KeychainBackend desktopKeychain()
{
    KeychainBackend backend;
    backend.open = [](const Config &config) -> Result<std::unique_ptr<SecretStore>> {
        auto store = std::make_unique<KeychainSecretStore>(config.dataDir);
        if (Status st = store->claimDataDir(); !st)
            return st.error();
        return std::unique_ptr<SecretStore>(std::move(store));
    };
    backend.probe = [](const Config &config) {
        return KeychainSecretStore(config.dataDir, KeychainSecretStore::kProbeTimeoutMs).probe();
    };
    return backend;
}

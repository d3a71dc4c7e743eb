#pragma once

#include "server/secrets/SecretStore.h"
#include "server/secrets/SecretStoreFactory.h"

// Secrets in the desktop keychain through QtKeychain 0.13 (Secret Service via libsecret, e.g.
// gnome-keyring; KWallet on a KDE session), as binary entries of the service
// "io.gatehouse.Gatehouse/<16 hex of SHA-256(data dir)>" with the secret name as the key, so two
// data dirs never share keys. QtKeychain's insecure fallback (plain text in QSettings) stays off.
//
// QtKeychain is asynchronous and keeps one process-wide job queue in the thread that first used
// it; its libsecret callbacks hold raw pointers to the job. So every job runs in one private
// long-lived thread, and each call waits for its answer up to the timeout. A job that times out
// is left to finish (or not) on its own, never deleted under libsecret, and a later call that
// queues behind it times out as well: both report SECRET_STORE_UNAVAILABLE.
// Needs a QCoreApplication. Safe to call from any thread, never from the keychain thread.
class KeychainSecretStore final : public SecretStore
{
public:
    static constexpr int kDefaultTimeoutMs = 30000; // a desktop may prompt to unlock the keyring
    static constexpr int kProbeTimeoutMs = 3000;

    explicit KeychainSecretStore(const QString &dataDir, int timeoutMs = kDefaultTimeoutMs);

    // A locked keyring whose unlock prompt fails or is dismissed answers a lookup with "no such
    // entry", exactly like a missing one. So the store lists the names it wrote in the data dir
    // (index file below), and read() of a listed name that the keychain does not return is
    // SECRET_STORE_UNAVAILABLE, never SECRET_NOT_FOUND: ensureSecret must not then replace a key
    // that data is encrypted with.
    Result<QByteArray> read(const QString &name) override;
    Status write(const QString &name, const QByteArray &value) override;
    Status remove(const QString &name) override;
    QString describe() const override;

    QString service() const { return m_service; }
    // The service name for a data dir: its canonical path when it exists.
    static QString serviceFor(const QString &dataDir);

    // <dataDir>/secret-store: "keychain" on the first line, then one secret name per line. Not
    // secret (names only); it says where this data dir's keys are. The same as
    // keychainIndexPath(), which the server reads without linking the keychain.
    static QString indexPathFor(const QString &dataDir);
    static bool holdsKeysOf(const QString &dataDir);
    // Writes the index's first line: this data dir's keys are in the keychain from now on.
    Status claimDataDir();

    // Whether a Secret Service answers and takes a write now: writes and deletes a throwaway
    // entry, outside the index. A read alone is not enough: it "succeeds" on a locked keyring
    // and the first write then fails or waits on an unlock prompt. SECRET_STORE_UNAVAILABLE
    // otherwise.
    Status probe();

private:
    Status writeEntry(const QString &name, const QByteArray &value);
    Status removeEntry(const QString &name);
    QStringList indexedNames() const;
    Status saveIndex(const QStringList &names);

    QString m_dataDir;
    QString m_service;
    int m_timeoutMs;
};

// The keychain as the console hands it to ServerRuntime::setKeychain (through ServerController):
// open() is a KeychainSecretStore with the default timeout that has claimed the data dir,
// probe() writes and deletes a throwaway entry within KeychainSecretStore::kProbeTimeoutMs.
KeychainBackend desktopKeychain();

#pragma once

#include "server/secrets/SecretStore.h"

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

    Result<QByteArray> read(const QString &name) override;
    Status write(const QString &name, const QByteArray &value) override;
    Status remove(const QString &name) override;
    QString describe() const override;

    QString service() const { return m_service; }
    // The service name for a data dir: its canonical path when it exists.
    static QString serviceFor(const QString &dataDir);
    // Whether a Secret Service answers and takes a write now: writes and deletes a throwaway
    // entry (a read alone succeeds on a locked keyring and the first write then hangs on an
    // unlock prompt). SECRET_STORE_UNAVAILABLE otherwise.
    Status probe();

private:
    QString m_service;
    int m_timeoutMs;
};

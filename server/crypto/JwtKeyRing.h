#pragma once

#include "models/common/Result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLatin1String>
#include <QList>
#include <QMutex>
#include <QString>
#include <memory>
#include <optional>

class EcSigningKey;
class SecretStore;

// The ES256 keys that sign access tokens, kept in the SecretStore.
//
// Storage: each private key is its own secret `jwt-key-<n>` (n = 1, 2, …; PKCS#8 DER), and the
// secret `jwt-keys` is the index, UTF-8 JSON:
//   {"version":1,"keys":[{"kid":"…","secretName":"jwt-key-1","createdAt":1700000000,
//                         "retiredAt":null}, …]}
// createdAt/retiredAt are Unix seconds; exactly one key (the current one) has retiredAt null.
// kid is the RFC 7638 thumbprint (see EcSigningKey) and is checked against the key on load.
//
// Lifetime of a key: current (signs) → retired at rotate(now) (still in the JWKS so tokens it
// signed stay verifiable) → after retainSeconds (access token lifetime + verifier leeway) it
// leaves the JWKS → prune(now) deletes it from the store.
//
// Threads: current(), jwks() and keys() may be called from any number of threads while one
// thread runs open()/rotate()/prune(). Readers take an immutable snapshot (a shared_ptr copied
// under a mutex held only for that copy), so they never wait for the secret store; writers are
// serialised by a second mutex held across the store I/O, then publish a new snapshot. A key
// handed out by current() stays usable after a rotation (it is shared, not freed).
//
// Several processes: first start is race-free (exclusive create of `jwt-key-1` and `jwt-keys`;
// the loser adopts the winner's key). A rotation made by one process is seen by another only
// when it calls open() again. The store is touched only in open/rotate/prune: never call them
// on the request path.
class JwtKeyRing
{
public:
    static constexpr QLatin1String kCorrupt{"JWT_KEYS_CORRUPT"};
    static constexpr QLatin1String kNotOpen{"JWT_KEYS_NOT_OPEN"};

    static QString indexSecretName() { return QStringLiteral("jwt-keys"); }
    static QString keySecretName(int number) { return QStringLiteral("jwt-key-%1").arg(number); }

    struct KeyInfo
    {
        QString kid;
        QString secretName;
        qint64 createdAt = 0;
        std::optional<qint64> retiredAt; // nullopt: the current key
    };

    // retainSeconds: how long a retired key stays in the JWKS (access token lifetime + leeway).
    JwtKeyRing(SecretStore &store, qint64 retainSeconds);
    ~JwtKeyRing();
    JwtKeyRing(const JwtKeyRing &) = delete;
    JwtKeyRing &operator=(const JwtKeyRing &) = delete;

    // Loads the keys; at first start creates `jwt-key-1` and the index. Calling it again reloads
    // the store's state. Errors: JWT_KEYS_CORRUPT (the message names the secret), or the
    // store's own error (e.g. SECRET_STORE_UNAVAILABLE). On error the previous state is kept.
    Status open(qint64 now);
    bool isOpen() const;

    // The key that signs new tokens; null before open() succeeded.
    std::shared_ptr<const EcSigningKey> current() const;
    // Public JWKs: the current key first, then retired keys retired less than retainSeconds
    // before `now`, newest first. Serve it as {"keys": jwks(now)} (jwksDocument).
    QJsonArray jwks(qint64 now) const;
    QJsonObject jwksDocument(qint64 now) const;
    // Every key the index lists, oldest first (for the console; no key material).
    QList<KeyInfo> keys() const;
    qint64 retainSeconds() const { return m_retainSeconds; }

    // Makes a new current key and retires the old one at `now`. Returns the new kid.
    Result<QString> rotate(qint64 now);
    // Deletes keys retired at least retainSeconds before `now` from the index, then from the
    // store. Returns how many were dropped.
    Result<int> prune(qint64 now);

private:
    struct Entry;
    struct Snapshot;

    std::shared_ptr<const Snapshot> snapshot() const;
    void publish(std::shared_ptr<const Snapshot> next);
    Result<std::shared_ptr<const Snapshot>> load(const QByteArray &index, qint64 now);
    Result<std::shared_ptr<const Snapshot>> bootstrap(qint64 now);
    Result<std::shared_ptr<const EcSigningKey>> readKey(const QString &secretName,
                                                        const QString &expectedKid);
    Status writeIndex(const QList<Entry> &entries, bool exclusive);

    SecretStore &m_store;
    const qint64 m_retainSeconds;
    QMutex m_adminMutex;            // open/rotate/prune, held across store I/O
    mutable QMutex m_snapshotMutex; // guards m_snapshot (pointer copy only)
    std::shared_ptr<const Snapshot> m_snapshot;
};

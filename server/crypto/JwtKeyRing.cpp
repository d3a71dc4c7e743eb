#include "server/crypto/JwtKeyRing.h"

#include "models/common/Log.h"
#include "server/crypto/EcSigningKey.h"
#include "server/secrets/SecretStore.h"

#include <QJsonDocument>
#include <QJsonValue>
#include <QMutexLocker>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <limits>

struct JwtKeyRing::Entry
{
    KeyInfo info;
    std::shared_ptr<const EcSigningKey> key; // null for a retired key past retention at load
};

struct JwtKeyRing::Snapshot
{
    QList<Entry> entries; // oldest first; the last one is current
    std::shared_ptr<const EcSigningKey> current;
};

namespace {

constexpr int kIndexVersion = 1;
// Orphaned key secrets (a rotation that crashed before its index write) are skipped over.
constexpr int kMaxNameAttempts = 16;

Error corrupt(const QString &secretName, const QString &why)
{
    return makeError(QString(JwtKeyRing::kCorrupt),
                     QStringLiteral("The JWT signing key secret %1 is unusable: %2. Restore it "
                                    "from a backup, or delete every jwt-key* secret to start "
                                    "over (all issued access tokens become invalid)")
                         .arg(secretName, why));
}

// n of "jwt-key-<n>", or 0.
int keyNumber(const QString &secretName)
{
    static const QString prefix = QStringLiteral("jwt-key-");
    if (!secretName.startsWith(prefix) || secretName.size() > prefix.size() + 9)
        return 0;
    const QStringView digits = QStringView(secretName).sliced(prefix.size());
    if (digits.isEmpty() || digits.startsWith(u'0'))
        return 0;
    for (const QChar c : digits) {
        if (c < u'0' || c > u'9')
            return 0;
    }
    return digits.toInt();
}

std::optional<qint64> wholeSeconds(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double seconds = value.toDouble();
    if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e15 || std::floor(seconds) != seconds)
        return std::nullopt;
    return static_cast<qint64>(seconds);
}

bool stillServed(const JwtKeyRing::KeyInfo &info, qint64 now, qint64 retainSeconds)
{
    return !info.retiredAt || now - *info.retiredAt < retainSeconds;
}

} // namespace

JwtKeyRing::JwtKeyRing(SecretStore &store, qint64 retainSeconds)
    : m_store(store), m_retainSeconds(std::max<qint64>(0, retainSeconds))
{
}

JwtKeyRing::~JwtKeyRing() = default;

std::shared_ptr<const JwtKeyRing::Snapshot> JwtKeyRing::snapshot() const
{
    QMutexLocker lock(&m_snapshotMutex);
    return m_snapshot;
}

void JwtKeyRing::publish(std::shared_ptr<const Snapshot> next)
{
    QMutexLocker lock(&m_snapshotMutex);
    m_snapshot.swap(next);
    // The old snapshot is released here or by the last reader still holding it.
}

bool JwtKeyRing::isOpen() const
{
    return snapshot() != nullptr;
}

std::shared_ptr<const EcSigningKey> JwtKeyRing::current() const
{
    const auto state = snapshot();
    return state ? state->current : nullptr;
}

QJsonArray JwtKeyRing::jwks(qint64 now) const
{
    QJsonArray keys;
    const auto state = snapshot();
    if (!state)
        return keys;
    for (auto it = state->entries.crbegin(); it != state->entries.crend(); ++it) {
        if (it->key && stillServed(it->info, now, m_retainSeconds))
            keys.append(it->key->publicJwk());
    }
    return keys;
}

QJsonObject JwtKeyRing::jwksDocument(qint64 now) const
{
    return QJsonObject{{QStringLiteral("keys"), jwks(now)}};
}

QList<JwtKeyRing::KeyInfo> JwtKeyRing::keys() const
{
    QList<KeyInfo> infos;
    if (const auto state = snapshot()) {
        for (const Entry &entry : state->entries)
            infos.append(entry.info);
    }
    return infos;
}

Status JwtKeyRing::open(qint64 now)
{
    QMutexLocker admin(&m_adminMutex);
    auto index = m_store.read(indexSecretName());
    if (!index && index.error().code != SecretStore::kNotFound)
        return index.error();
    auto loaded = index ? load(*index, now) : bootstrap(now);
    if (!loaded)
        return loaded.error();
    publish(*loaded);
    Log::info(QStringLiteral("jwt.keys_loaded"),
              {{QStringLiteral("currentKid"), (*loaded)->current->kid()},
               {QStringLiteral("keys"), static_cast<int>((*loaded)->entries.size())}});
    return {};
}

Result<std::shared_ptr<const EcSigningKey>> JwtKeyRing::readKey(const QString &secretName,
                                                                const QString &expectedKid)
{
    auto der = m_store.read(secretName);
    if (!der) {
        if (der.error().code == SecretStore::kNotFound)
            return corrupt(secretName,
                           QStringLiteral("it is listed in %1 but missing").arg(indexSecretName()));
        return der.error();
    }
    auto key = EcSigningKey::fromPkcs8Der(*der);
    if (!key)
        return corrupt(secretName, key.error().message);
    if (!expectedKid.isEmpty() && key->kid() != expectedKid)
        return corrupt(
            secretName,
            QStringLiteral("its key does not match the kid in %1").arg(indexSecretName()));
    return std::make_shared<const EcSigningKey>(std::move(key).value());
}

Result<std::shared_ptr<const JwtKeyRing::Snapshot>> JwtKeyRing::load(const QByteArray &index,
                                                                     qint64 now)
{
    const QString indexName = indexSecretName();
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(index, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return corrupt(indexName, QStringLiteral("it is not a JSON object"));
    const QJsonObject root = document.object();
    if (root.value(QLatin1String("version")).toInt(-1) != kIndexVersion)
        return corrupt(indexName, QStringLiteral("unknown version"));
    const QJsonValue list = root.value(QLatin1String("keys"));
    if (!list.isArray() || list.toArray().isEmpty())
        return corrupt(indexName, QStringLiteral("it lists no keys"));

    auto next = std::make_shared<Snapshot>();
    QSet<QString> names;
    QSet<QString> kids;
    int currentCount = 0;
    const QJsonArray entries = list.toArray();
    for (const QJsonValue &value : entries) {
        const QJsonObject object = value.toObject();
        Entry entry;
        entry.info.kid = object.value(QLatin1String("kid")).toString();
        entry.info.secretName = object.value(QLatin1String("secretName")).toString();
        const auto createdAt = wholeSeconds(object.value(QLatin1String("createdAt")));
        const QJsonValue retired = object.value(QLatin1String("retiredAt"));
        const auto retiredAt = wholeSeconds(retired);
        if (!value.isObject() || entry.info.kid.isEmpty() ||
            keyNumber(entry.info.secretName) == 0 || !createdAt || !(retired.isNull() || retiredAt))
            return corrupt(indexName,
                           QStringLiteral("an entry lacks kid, secretName (jwt-key-<n>), "
                                          "createdAt or retiredAt"));
        if (names.contains(entry.info.secretName) || kids.contains(entry.info.kid))
            return corrupt(indexName, QStringLiteral("a key is listed twice"));
        names.insert(entry.info.secretName);
        kids.insert(entry.info.kid);
        entry.info.createdAt = *createdAt;
        entry.info.retiredAt = retiredAt;
        if (!retiredAt)
            ++currentCount;
        next->entries.append(std::move(entry));
    }
    if (currentCount != 1)
        return corrupt(
            indexName,
            QStringLiteral("it must list exactly one current key (%1 found)").arg(currentCount));
    // Keep the current key last, retired ones in retirement order.
    std::stable_sort(
        next->entries.begin(), next->entries.end(), [](const Entry &a, const Entry &b) {
            const qint64 ra = a.info.retiredAt.value_or(std::numeric_limits<qint64>::max());
            const qint64 rb = b.info.retiredAt.value_or(std::numeric_limits<qint64>::max());
            return ra < rb;
        });

    for (Entry &entry : next->entries) {
        // A key already past retention is never served again; prune() drops it without needing
        // its secret, so a missing or damaged one must not stop the server from starting.
        if (!stillServed(entry.info, now, m_retainSeconds))
            continue;
        auto key = readKey(entry.info.secretName, entry.info.kid);
        if (!key)
            return key.error();
        entry.key = *key;
    }
    next->current = next->entries.constLast().key;
    return std::shared_ptr<const Snapshot>(std::move(next));
}

Status JwtKeyRing::writeIndex(const QList<Entry> &entries, bool exclusive)
{
    QJsonArray list;
    for (const Entry &entry : entries) {
        list.append(QJsonObject{
            {QStringLiteral("kid"), entry.info.kid},
            {QStringLiteral("secretName"), entry.info.secretName},
            {QStringLiteral("createdAt"), entry.info.createdAt},
            {QStringLiteral("retiredAt"), entry.info.retiredAt ? QJsonValue(*entry.info.retiredAt)
                                                               : QJsonValue(QJsonValue::Null)}});
    }
    const QByteArray json = QJsonDocument(QJsonObject{{QStringLiteral("version"), kIndexVersion},
                                                      {QStringLiteral("keys"), list}})
                                .toJson(QJsonDocument::Compact);
    return exclusive ? m_store.create(indexSecretName(), json)
                     : m_store.write(indexSecretName(), json);
}

Result<std::shared_ptr<const JwtKeyRing::Snapshot>> JwtKeyRing::bootstrap(qint64 now)
{
    const QString name = keySecretName(1);
    std::shared_ptr<const EcSigningKey> key;
    bool created = false;
    auto existing = m_store.read(name);
    if (existing) {
        // Left by a first start that stopped before writing the index: adopt it.
        auto adopted = readKey(name, {});
        if (!adopted)
            return adopted.error();
        key = *adopted;
    } else if (existing.error().code != SecretStore::kNotFound) {
        return existing.error();
    } else {
        auto fresh = EcSigningKey::generate();
        if (!fresh)
            return fresh.error();
        Status stored = m_store.create(name, fresh->toPkcs8Der());
        if (stored) {
            key = std::make_shared<const EcSigningKey>(std::move(fresh).value());
            created = true;
        } else if (stored.error().code == SecretStore::kExists) {
            auto theirs = readKey(name, {}); // another process was faster: use its key
            if (!theirs)
                return theirs.error();
            key = *theirs;
        } else {
            return stored.error();
        }
    }

    Entry entry{KeyInfo{key->kid(), name, now, std::nullopt}, key};
    const QList<Entry> entries{entry};
    Status indexed = writeIndex(entries, /*exclusive=*/true);
    if (!indexed) {
        if (indexed.error().code != SecretStore::kExists)
            return indexed.error();
        auto theirs = m_store.read(indexSecretName()); // the other process's index wins
        if (!theirs)
            return theirs.error();
        return load(*theirs, now);
    }
    Log::info(created ? QStringLiteral("jwt.key_created") : QStringLiteral("jwt.key_adopted"),
              {{QStringLiteral("kid"), key->kid()}, {QStringLiteral("secret"), name}});
    auto next = std::make_shared<Snapshot>();
    next->entries = entries;
    next->current = key;
    return std::shared_ptr<const Snapshot>(std::move(next));
}

Result<QString> JwtKeyRing::rotate(qint64 now)
{
    QMutexLocker admin(&m_adminMutex);
    const auto state = snapshot();
    if (!state)
        return makeError(QString(kNotOpen), QStringLiteral("The JWT key ring is not open"));

    auto fresh = EcSigningKey::generate();
    if (!fresh)
        return fresh.error();
    auto key = std::make_shared<const EcSigningKey>(std::move(fresh).value());

    int number = 0;
    for (const Entry &entry : state->entries)
        number = std::max(number, keyNumber(entry.info.secretName));
    QString name;
    for (int attempt = 0; attempt < kMaxNameAttempts && name.isEmpty(); ++attempt) {
        const QString candidate = keySecretName(++number);
        Status stored = m_store.create(candidate, key->toPkcs8Der());
        if (stored)
            name = candidate;
        else if (stored.error().code != SecretStore::kExists)
            return stored.error();
    }
    if (name.isEmpty())
        return makeError(
            QString(SecretStore::kExists),
            QStringLiteral("No free jwt-key-<n> secret name after %1 tries").arg(kMaxNameAttempts));

    auto next = std::make_shared<Snapshot>(*state);
    for (Entry &entry : next->entries) {
        if (!entry.info.retiredAt)
            entry.info.retiredAt = now;
    }
    next->entries.append(Entry{KeyInfo{key->kid(), name, now, std::nullopt}, key});
    next->current = key;
    if (Status indexed = writeIndex(next->entries, /*exclusive=*/false); !indexed) {
        (void)m_store.remove(name); // an orphan would be harmless, but do not leave one
        return indexed.error();
    }
    publish(next);
    Log::info(QStringLiteral("jwt.key_rotated"),
              {{QStringLiteral("kid"), key->kid()},
               {QStringLiteral("previousKid"), state->current ? state->current->kid() : QString()},
               {QStringLiteral("secret"), name}});
    return key->kid();
}

Result<int> JwtKeyRing::prune(qint64 now)
{
    QMutexLocker admin(&m_adminMutex);
    const auto state = snapshot();
    if (!state)
        return makeError(QString(kNotOpen), QStringLiteral("The JWT key ring is not open"));

    auto next = std::make_shared<Snapshot>();
    next->current = state->current;
    QList<KeyInfo> dropped;
    for (const Entry &entry : state->entries) {
        if (stillServed(entry.info, now, m_retainSeconds))
            next->entries.append(entry);
        else
            dropped.append(entry.info);
    }
    if (dropped.isEmpty())
        return 0;
    // Index first: a crash between the two steps leaves an unlisted secret, never a listed
    // secret that is missing.
    if (Status indexed = writeIndex(next->entries, /*exclusive=*/false); !indexed)
        return indexed.error();
    publish(next);
    for (const KeyInfo &info : dropped) {
        QJsonObject fields{{QStringLiteral("kid"), info.kid},
                           {QStringLiteral("secret"), info.secretName}};
        // Already out of the index: a secret left behind is unused and harmless.
        if (const Status removed = m_store.remove(info.secretName); removed) {
            Log::info(QStringLiteral("jwt.key_pruned"), fields);
        } else {
            fields.insert(QStringLiteral("error"), removed.error().code);
            Log::warning(QStringLiteral("jwt.key_prune_failed"), fields);
        }
    }
    return static_cast<int>(dropped.size());
}

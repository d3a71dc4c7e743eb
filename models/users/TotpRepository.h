#pragma once

#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"
#include "models/domain/User.h"

#include <optional>

// The TOTP columns of `users`: the sealed secret (users.totp_secret, base64url of AES-256-GCM
// output, never decrypted here) and the replay guard users.totp_last_step (V0004).
//
// Why the replay guard is a column and not a Redis key: it must hold for every instance sharing
// the database, for ever (a Redis flush, eviction or failover must not make an old code valid
// again), and one conditional UPDATE makes "accept this step only if it is later than any
// accepted before" atomic in PostgreSQL without a second round trip or a TTL to get right.
class TotpRepository
{
public:
    struct Account
    {
        User user;
        QString sealedSecret;              // empty: the user has no TOTP secret
        std::optional<qint64> lastUsedStep; // none: no code accepted yet
    };

    explicit TotpRepository(PreparedStatements &statements) : m_sql(statements) {}

    // The user with its TOTP columns; nothing when no user has this id. Any string is accepted
    // (a malformed id finds nobody) and costs the same single indexed read.
    Result<std::optional<Account>> find(const QString &userId);

    // Makes `step` the user's last used step, only if it is later than the stored one. Returns
    // the user as stored when it was, nothing when another request already used this step or a
    // later one (a replay, or a race between two instances: exactly one of them wins).
    Result<std::optional<User>> useStep(const QString &userId, qint64 step);

private:
    PreparedStatements &m_sql;
};

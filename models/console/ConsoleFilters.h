#pragma once

#include <QDateTime>
#include <QString>

#include <optional>

// What the console's tables filter on. Every filter runs in PostgreSQL (bound values only);
// an empty/unset field does not filter.
struct SessionFilter
{
    QString user;      // user id (uuid) or email (exact, case-insensitive) or email prefix
    QString status;    // active | revoked | expired; empty: all
    QString ip;        // one address (exact) or a CIDR block (ip::inet <<= cidr)
    QString country;   // location_country, exact
    QString browser;   // prefix, case-insensitive
    QString os;        // prefix, case-insensitive
    QString device;    // prefix, case-insensitive
    QDateTime createdFrom, createdTo;   // [from, to)
    QDateTime activityFrom, activityTo; // [from, to) on last_activity_at

    bool operator==(const SessionFilter &) const = default;
};

struct UserFilter
{
    QString search;    // id (uuid), or a prefix of email / first, last or display name
    QString status;    // active | disabled; empty: all
    QString role;      // user | admin; empty: all
    std::optional<bool> emailVerified;
    std::optional<bool> phoneVerified;
    std::optional<bool> totpEnabled;
    std::optional<bool> hasPasskey;

    bool operator==(const UserFilter &) const = default;
};

struct PasskeyFilter
{
    QString userId;   // empty: all users
    QString search;   // credential id prefix or user email prefix
    bool operator==(const PasskeyFilter &) const = default;
};

struct ProviderFilter
{
    QString userId;   // empty: all users
    QString type;     // google | github | apple | oidc …; empty: all
    QString search;   // provider id / email prefix
    bool operator==(const ProviderFilter &) const = default;
};

#pragma once

#include "ConsoleFilters.h"

#include <QString>
#include <QStringList>
#include <QVariantList>

// SQL conditions for the console's filters: text with `?` placeholders plus the values to bind
// in order; never a value pasted into SQL. Used by the table models and by bulk revocation, so
// "everything matching the filter" means the same rows in both.
struct SqlWhere
{
    QStringList conditions;
    QVariantList values;

    void add(const QString &condition, const QVariantList &bound = {});
    // "WHERE a AND b" or empty.
    QString clause() const;
    // "a AND b" or "TRUE".
    QString expression() const;
};

namespace ConsoleSql {
// For sessions aliased s (users aliased u may be referenced: callers join them).
SqlWhere sessionWhere(const SessionFilter &filter);
SqlWhere userWhere(const UserFilter &filter);
SqlWhere passkeyWhere(const PasskeyFilter &filter);
SqlWhere providerWhere(const ProviderFilter &filter);

// `text` as a LIKE prefix pattern: %, _ and \ escaped, lower-cased, then '%'.
QString likePrefix(const QString &text);
bool isUuid(const QString &text);
// Whether text can be an IP address or a CIDR block (characters and shape only).
bool looksLikeIpFilter(const QString &text);
} // namespace ConsoleSql

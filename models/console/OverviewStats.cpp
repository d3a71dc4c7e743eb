#include "OverviewStats.h"

#include "models/database/DatabaseSettings.h"

#include <QAtomicInteger>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

Error queryError(const QSqlQuery &query, const QString &what)
{
    return makeError(u"DATABASE_ERROR"_s,
                     u"Overview: "_s + what + u" failed: "_s + query.lastError().text().trimmed());
}

// Runs one statement with bound values; the query is positioned before its first row.
bool run(QSqlQuery &query, const QString &sql, const QVariantList &values)
{
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return false;
    for (const QVariant &value : values)
        query.addBindValue(value);
    return query.exec();
}

Result<QList<OverviewStats::Bucket>> groupedActive(QSqlDatabase &db, const QString &column,
                                                   const QDateTime &now)
{
    // The column name is one of two constants below, never input.
    QSqlQuery query(db);
    if (!run(query,
             u"SELECT COALESCE(NULLIF("_s + column +
                 u", ''), ''), count(*) FROM sessions WHERE status = 'active' AND expires_at > ? "
                 u"GROUP BY 1 ORDER BY 2 DESC, 1"_s,
             {now}))
        return queryError(query, u"active sessions by "_s + column);
    QList<OverviewStats::Bucket> rows;
    while (query.next())
        rows.append({query.value(0).toString(), query.value(1).toLongLong()});
    return OverviewStats::foldTop(rows, OverviewStats::kTopN);
}

Result<OverviewStats> loadWith(QSqlDatabase &db, const QDateTime &nowAny)
{
    OverviewStats stats;
    const QDateTime now = nowAny.toUTC();
    stats.now = now;
    const QDateTime currentHour(now.date(), QTime(now.time().hour(), 0), Qt::UTC);
    const QDateTime weekStart = currentHour.addSecs(-167 * 3600);
    const QDateTime midnight(now.date(), QTime(0, 0), Qt::UTC);

    QSqlQuery query(db);
    if (!run(query, u"SELECT count(*) FROM users"_s, {}) || !query.next())
        return queryError(query, u"counting users"_s);
    stats.users = query.value(0).toLongLong();

    if (!run(query, u"SELECT count(*) FROM sessions WHERE status = 'active' AND expires_at > ?"_s,
             {now}) ||
        !query.next())
        return queryError(query, u"counting active sessions"_s);
    stats.activeSessions = query.value(0).toLongLong();

    // One aggregate for both charts and the "today" count: the last 168 hours, per hour (UTC).
    // The range scan uses idx_sessions_created_at_id (V0007).
    if (!run(query,
             u"SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC'), count(*) FROM sessions "
             u"WHERE created_at >= ? AND created_at <= ? GROUP BY 1"_s,
             {weekStart, now}))
        return queryError(query, u"counting sign-ins per hour"_s);
    stats.signInsPerHourWeek = QList<qint64>(168, 0);
    while (query.next()) {
        // A timestamp without time zone: the UTC wall time of the hour.
        QDateTime hour = query.value(0).toDateTime();
        hour = QDateTime(hour.date(), hour.time(), Qt::UTC);
        const qint64 slot = weekStart.secsTo(hour) / 3600;
        if (slot >= 0 && slot < 168) {
            stats.signInsPerHourWeek[slot] += query.value(1).toLongLong();
            if (hour >= midnight)
                stats.signInsToday += query.value(1).toLongLong();
        }
    }
    stats.signInsPerHourDay = stats.signInsPerHourWeek.mid(168 - 24);

    auto countries = groupedActive(db, u"location_country"_s, now);
    if (!countries)
        return countries.error();
    stats.byCountry = *countries;
    auto browsers = groupedActive(db, u"browser"_s, now);
    if (!browsers)
        return browsers.error();
    stats.byBrowser = *browsers;
    return stats;
}

} // namespace

QList<OverviewStats::Bucket> OverviewStats::foldTop(const QList<Bucket> &rows, int topN)
{
    QList<Bucket> sorted = rows;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Bucket &a, const Bucket &b) { return a.second > b.second; });
    QList<Bucket> out;
    qint64 other = 0;
    qint64 unknown = 0;
    for (const Bucket &row : std::as_const(sorted)) {
        if (row.first.isEmpty())
            unknown += row.second;
        else if (out.size() < topN)
            out.append(row);
        else
            other += row.second;
    }
    if (unknown > 0)
        out.append({QStringLiteral("Unknown"), unknown});
    if (other > 0)
        out.append({QStringLiteral("Other"), other});
    return out;
}

Result<OverviewStats> OverviewStats::load(const QString &databaseUrl, const QDateTime &now)
{
    auto settings = DatabaseSettings::fromUrl(databaseUrl);
    if (!settings)
        return settings.error();
    static QAtomicInteger<quint64> counter;
    const QString name = u"gatehouse-overview-"_s + QString::number(counter.fetchAndAddRelaxed(1));
    Result<OverviewStats> result = makeError(u"DATABASE_UNAVAILABLE"_s, QString());
    {
        auto db = openDatabase(*settings, name);
        if (!db)
            return db.error();
        result = loadWith(*db, now);
        db->close();
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

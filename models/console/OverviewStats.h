#pragma once

#include "models/common/Result.h"

#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

// The numbers of the console's Overview page, read from PostgreSQL in a handful of aggregate
// statements. load() opens its own connection and is meant to run off the GUI thread
// (QtConcurrent): a count over a million sessions takes longer than a frame.
//
// Definitions (the same everywhere in the console):
//   active session  status = 'active' and expires_at > now
//   sign-in         a session created (every successful sign-in creates exactly one)
//   today           since 00:00 UTC
// Failed sign-ins live in Redis (SignInFailures), not here: the page adds them.
struct OverviewStats
{
    using Bucket = QPair<QString, qint64>; // label, count

    QDateTime now; // the `now` the figures were computed for (UTC)
    qint64 users = 0;
    qint64 activeSessions = 0;
    qint64 signInsToday = 0;
    // Sign-ins per hour, oldest first, one entry per hour (zeros included), the current hour
    // last: 24 entries for the last day, 168 for the last week.
    QList<qint64> signInsPerHourDay;
    QList<qint64> signInsPerHourWeek;
    // Active sessions by country / by browser, biggest first: at most topN named buckets
    // plus one "Other" bucket for the rest (and "Unknown" for rows with no value).
    QList<Bucket> byCountry;
    QList<Bucket> byBrowser;

    static constexpr int kTopN = 6; // + Unknown + Other: what a chart legend shows

    // Runs the queries on a new connection (its own name, closed again before returning).
    // Errors: DATABASE_URL_INVALID, DATABASE_UNAVAILABLE, DATABASE_ERROR.
    static Result<OverviewStats> load(const QString &databaseUrl, const QDateTime &now);

    // Top-N folding, exposed for tests: rows sorted by count descending.
    static QList<Bucket> foldTop(const QList<Bucket> &rows, int topN);
};

#pragma once

#include <QWidget>

class BulkRevokeJob;
class ConsoleConnection;
class QTableView;
class SessionsPageImpl;
class SessionsTableModel;
struct SessionFilter;

// Sessions: filters (user, status, IP/CIDR, country, browser, OS, device, created and
// last-activity ranges), a detail panel, revoke selected with a reason, and bulk revoke of
// everything matching the filter (count first, then progress, cancellable).
class SessionsPage : public QWidget
{
    Q_OBJECT
public:
    explicit SessionsPage(ConsoleConnection *connection, QWidget *parent = nullptr);
    ~SessionsPage() override;

    void refresh();
    // Shows this session: clears the filters, filters by its user and selects the row.
    void showSession(const QString &sessionId);
    // Filters the table to one user's sessions (id or email).
    void showUserSessions(const QString &user);

    // The pieces behind the filter bar and the buttons (the benchmark and tests drive them).
    SessionsTableModel *model() const;
    QTableView *table() const;
    void setFilter(const SessionFilter &filter); // also shows it in the filter bar
    // Revokes the selected sessions with this reason (after a confirmation when enabled).
    void revokeSelected(const QString &reason);
    // Counts what matches the filter, confirms, then revokes in batches with a progress dialog.
    BulkRevokeJob *bulkRevoke(const QString &reason);

signals:
    void userRequested(const QString &userId);
    // An action finished (tests wait on it): what it was and whether it worked.
    void actionFinished(const QString &action, bool ok);

private:
    SessionsPageImpl *d;
    friend class SessionsPageImpl;
};

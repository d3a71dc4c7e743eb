#pragma once

#include <QWidget>

class ConsoleConnection;
class UsersPageImpl;

// Users: search by email, name or id; filters (status, role, verified, TOTP, passkey); a detail
// panel with profile, avatar, providers, passkeys and sessions; actions through AdminService.
class UsersPage : public QWidget
{
    Q_OBJECT
public:
    explicit UsersPage(ConsoleConnection *connection, QWidget *parent = nullptr);
    ~UsersPage() override;

    // Reloads the table from the database (F5), keeping filter and sort.
    void refresh();
    // Shows this user: clears the filters, searches for the id and selects the row.
    void showUser(const QString &userId);

signals:
    // The user asked to see a session listed in the detail panel.
    void sessionRequested(const QString &sessionId);

private:
    UsersPageImpl *d;
    friend class UsersPageImpl;
};

#pragma once

#include "ConsoleFilters.h"
#include "KeysetTableModel.h"

// The console's four tables. Each holds its filter; setFilter() reloads from the first page.

class SessionsTableModel : public KeysetTableModel
{
    Q_OBJECT
public:
    enum ColumnIndex { User, Status, Ip, Country, City, Browser, Os, Device, Created, LastActivity,
                       Expires, Revoked, RevokedReason, UserAgent, UserId };
    explicit SessionsTableModel(DatabaseProvider database, QObject *parent = nullptr);
    void setFilter(const SessionFilter &filter);
    const SessionFilter &filter() const { return m_filter; }
    // The user a session belongs to (empty when there is no such session).
    static QString userOfSession(const QSqlDatabase &db, const QString &sessionId);

protected:
    QString fromClause() const override;
    SqlWhere whereClause() const override;
    QString countTable() const override { return QStringLiteral("sessions"); }

private:
    SessionFilter m_filter;
};

class UsersTableModel : public KeysetTableModel
{
    Q_OBJECT
public:
    enum ColumnIndex { Email, Name, Status, Role, EmailVerified, Phone, PhoneVerified, Totp, Created,
                       LastLogin, Id };
    explicit UsersTableModel(DatabaseProvider database, QObject *parent = nullptr);
    void setFilter(const UserFilter &filter);
    const UserFilter &filter() const { return m_filter; }

protected:
    QString fromClause() const override { return QStringLiteral("FROM users u"); }
    SqlWhere whereClause() const override;
    QString countTable() const override { return QStringLiteral("users"); }

private:
    UserFilter m_filter;
};

// Passkeys: the flagged-as-cloned column comes with migration V0005 (clone_suspected_at);
// against an older schema the column shows nothing (checked once in information_schema).
class PasskeysTableModel : public KeysetTableModel
{
    Q_OBJECT
public:
    enum ColumnIndex { User, Name, DeviceType, BackedUp, Transports, Created, LastUsed, CloneSuspected,
                       CredentialId, UserId };
    explicit PasskeysTableModel(DatabaseProvider database, QObject *parent = nullptr);
    void setFilter(const PasskeyFilter &filter);
    const PasskeyFilter &filter() const { return m_filter; }
    static bool hasColumn(const QSqlDatabase &db, const QString &table, const QString &column);

protected:
    QString fromClause() const override;
    SqlWhere whereClause() const override;
    QString countTable() const override { return QStringLiteral("passkey_credentials"); }

private:
    PasskeyFilter m_filter;
};

class ProvidersTableModel : public KeysetTableModel
{
    Q_OBJECT
public:
    enum ColumnIndex { User, Type, ProviderId, Email, Linked, UserId };
    explicit ProvidersTableModel(DatabaseProvider database, QObject *parent = nullptr);
    void setFilter(const ProviderFilter &filter);
    const ProviderFilter &filter() const { return m_filter; }

protected:
    QString fromClause() const override;
    SqlWhere whereClause() const override;
    QString countTable() const override { return QStringLiteral("auth_providers"); }

private:
    ProviderFilter m_filter;
};

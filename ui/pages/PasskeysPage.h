#pragma once

#include <QWidget>

class ConsoleConnection;
class PasskeysPageImpl;

// Passkeys, per user or global: device type, backed up, transports, created, last used,
// flagged as cloned; remove with confirmation.
class PasskeysPage : public QWidget
{
    Q_OBJECT
public:
    explicit PasskeysPage(ConsoleConnection *connection, QWidget *parent = nullptr);
    ~PasskeysPage() override;

    void refresh();

signals:
    void userRequested(const QString &userId);

private:
    PasskeysPageImpl *d;
    friend class PasskeysPageImpl;
};

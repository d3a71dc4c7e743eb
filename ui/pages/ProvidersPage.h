#pragma once

#include <QWidget>

class ConsoleConnection;
class ProvidersPageImpl;

// Linked sign-in providers, per user or global: type, provider id, email, linked at; unlink
// with confirmation.
class ProvidersPage : public QWidget
{
    Q_OBJECT
public:
    explicit ProvidersPage(ConsoleConnection *connection, QWidget *parent = nullptr);
    ~ProvidersPage() override;

    void refresh();

signals:
    void userRequested(const QString &userId);

private:
    ProvidersPageImpl *d;
    friend class ProvidersPageImpl;
};

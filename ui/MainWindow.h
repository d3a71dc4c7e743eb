#pragma once

#include "server/runtime/ServerStatus.h"

#include <QMainWindow>

#include <functional>

class ConsoleConnection;
class LiveEventsPage;
class OverviewPage;
class PasskeysPage;
class ProvidersPage;
class QLabel;
class QListWidget;
class QSplitter;
class QStackedWidget;
class ServerController;
class ServerPage;
class SessionsPage;
class SettingsPage;
class UsersPage;

// The console's frame: a page list on the left, the current page on the right, a status bar
// with the server and connection state. It owns the ConsoleConnection every data page works
// through: opened when the server first reports running (services up, schema migrated; the
// URLs are the embedded services' or the configured external ones), kept while only the HTTP
// server is stopped (the services keep running), closed when the server fails or the console
// shuts down. Pages do the work; this class only wires them (DESIGN: MainWindow
// delegates to pages).
//
// Keys: Ctrl+1…Ctrl+8 pick a page, Ctrl+F and F5 go to the current page (its filter, its
// refresh); Del and the other table keys belong to the pages themselves. Geometry, the page
// splitter, the current page and the state of every named splitter and table header in the
// pages are kept in QSettings.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum Page { Overview, Users, Sessions, Passkeys, Providers, LiveEvents, Server, Settings, PageCount };

    explicit MainWindow(ServerController *controller, QWidget *parent = nullptr);
    ~MainWindow() override;

    void showPage(Page page);
    Page currentPage() const;
    QWidget *page(Page page) const;

    ConsoleConnection *connection() const { return m_connection; }
    ServerPage *serverPage() const { return m_serverPage; }
    OverviewPage *overviewPage() const { return m_overviewPage; }
    UsersPage *usersPage() const { return m_usersPage; }
    SessionsPage *sessionsPage() const { return m_sessionsPage; }
    LiveEventsPage *liveEventsPage() const { return m_liveEventsPage; }
    SettingsPage *settingsPage() const { return m_settingsPage; }
    QString connectionStateText() const;

    void refreshCurrentPage(); // F5
    void focusCurrentFilter(); // Ctrl+F

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    struct PageEntry
    {
        QWidget *widget = nullptr;
        std::function<void()> refresh;
        std::function<void()> focusFilter;
    };

    void addPage(const QString &title, const QString &iconName, PageEntry entry);
    void installShortcuts();
    void showUserById(const QString &userId);
    void onServerStatus(const ServerStatus &status);
    void openConnection(const QString &databaseUrl, const QString &redisUrl);
    void showConnectionState();
    void restoreLayout();
    void saveLayout();

    ServerController *m_controller;
    ConsoleConnection *m_connection;
    QSplitter *m_splitter;
    QListWidget *m_pageList;
    QStackedWidget *m_pages;
    QList<PageEntry> m_entries;
    OverviewPage *m_overviewPage;
    UsersPage *m_usersPage;
    SessionsPage *m_sessionsPage;
    PasskeysPage *m_passkeysPage;
    ProvidersPage *m_providersPage;
    LiveEventsPage *m_liveEventsPage;
    ServerPage *m_serverPage;
    SettingsPage *m_settingsPage;
    QLabel *m_serverState;
    QLabel *m_connectionState;
    QString m_connectionError;
    bool m_closing = false;
};

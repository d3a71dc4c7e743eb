#pragma once

#include <QMainWindow>

class QListWidget;
class QStackedWidget;
class ServerController;
class ServerPage;

// The console's frame: a page list on the left, the current page on the right. Pages are
// added as the console grows (Overview, Users, Sessions, … come with their issues); the
// Server page is the first.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(ServerController *controller, QWidget *parent = nullptr);

    ServerPage *serverPage() const { return m_serverPage; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void addPage(const QString &title, QWidget *page);

    ServerController *m_controller;
    QListWidget *m_pageList;
    QStackedWidget *m_pages;
    ServerPage *m_serverPage;
};

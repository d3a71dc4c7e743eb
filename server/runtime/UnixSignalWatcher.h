#pragma once

#include <QObject>

class QSocketNotifier;

// Turns SIGTERM/SIGINT/SIGHUP into a Qt signal (self-pipe): the handler only write()s a byte,
// the shutdown itself runs in the event loop.
class UnixSignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

signals:
    void received(int signalNumber);

private:
    QSocketNotifier *m_notifier = nullptr;
};

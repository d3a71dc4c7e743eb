#include "OverviewPage.h"

#include "server/auth/SignInFailures.h"
#include "server/redis/RedisClient.h"
#include "ui/ConsoleConnection.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QPieSeries>
#include <QPieSlice>
#include <QProgressBar>
#include <QTimer>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace {

// A figure with its caption, big enough to read at a glance.
QLabel *addCard(QGridLayout *grid, int column, const QString &caption)
{
    auto *frame = new QFrame;
    frame->setFrameShape(QFrame::StyledPanel);
    auto *layout = new QVBoxLayout(frame);
    auto *value = new QLabel(u"—"_s);
    QFont font = value->font();
    font.setPointSizeF(font.pointSizeF() * 2.2);
    font.setBold(true);
    value->setFont(font);
    value->setAlignment(Qt::AlignCenter);
    auto *label = new QLabel(caption);
    label->setAlignment(Qt::AlignCenter);
    layout->addWidget(value);
    layout->addWidget(label);
    grid->addWidget(frame, 0, column);
    return value;
}

QChartView *newChartView(const QString &title)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->setAnimationOptions(QChart::NoAnimation); // refreshes must not replay an animation
    chart->legend()->setAlignment(Qt::AlignRight);
    auto *view = new QChartView(chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(220);
    return view;
}

void showPie(QChartView *view, const QList<OverviewStats::Bucket> &buckets)
{
    QChart *chart = view->chart();
    chart->removeAllSeries();
    auto *series = new QPieSeries;
    for (const auto &[label, count] : buckets) {
        QPieSlice *slice = series->append(u"%1 (%2)"_s.arg(label, QLocale().toString(count)),
                                          double(count));
        slice->setLabelVisible(false);
    }
    if (buckets.isEmpty())
        series->append(QObject::tr("no active sessions"), 1)->setColor(Qt::lightGray);
    chart->addSeries(series);
}

QString number(qint64 value) { return QLocale().toString(value); }

} // namespace

OverviewPage::OverviewPage(ConsoleConnection *connection, QWidget *parent, Clock clock)
    : QWidget(parent),
      m_connection(connection),
      m_clock(std::move(clock)),
      m_updated(new QLabel),
      m_error(new QLabel),
      m_busy(new QProgressBar),
      m_range(new QComboBox),
      m_signInView(newChartView(tr("Sign-ins per hour"))),
      m_countryView(newChartView(tr("Active sessions by country"))),
      m_browserView(newChartView(tr("Active sessions by browser"))),
      m_autoRefresh(new QTimer(this))
{
    auto *cards = new QGridLayout;
    m_users = addCard(cards, 0, tr("Users"));
    m_active = addCard(cards, 1, tr("Active sessions"));
    m_today = addCard(cards, 2, tr("Sign-ins today (UTC)"));
    m_failed = addCard(cards, 3, tr("Failed sign-ins today"));

    m_range->addItem(tr("Last 24 hours"));
    m_range->addItem(tr("Last 7 days"));
    m_busy->setRange(0, 0); // indeterminate: the queries report no progress
    m_busy->setMaximumWidth(120);
    m_busy->setTextVisible(false);
    m_busy->hide();
    m_error->setStyleSheet(u"color: #b00020"_s);
    m_error->setWordWrap(true);
    m_error->hide();

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Sign-ins:")));
    bar->addWidget(m_range);
    bar->addStretch();
    bar->addWidget(m_updated);
    bar->addWidget(m_busy);

    auto *pies = new QHBoxLayout;
    pies->addWidget(m_countryView);
    pies->addWidget(m_browserView);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(cards);
    layout->addWidget(m_error);
    layout->addLayout(bar);
    layout->addWidget(m_signInView, 3);
    layout->addLayout(pies, 2);

    connect(m_range, &QComboBox::currentIndexChanged, this, &OverviewPage::drawSignIns);
    connect(&m_watcher, &QFutureWatcher<Result<OverviewStats>>::finished, this, [this] {
        showStats(m_watcher.result());
        if (m_refreshAgain) {
            m_refreshAgain = false;
            refresh();
        }
    });
    m_autoRefresh->setInterval(60 * 1000);
    connect(m_autoRefresh, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    m_autoRefresh->start();
    if (m_connection)
        connect(m_connection, &ConsoleConnection::opened, this, [this] {
            if (isVisible())
                refresh();
        });
    drawSignIns();
    showPie(m_countryView, {});
    showPie(m_browserView, {});
}

OverviewPage::~OverviewPage()
{
    // The query thread holds only its own connection and copies of its arguments; waiting
    // keeps it from finishing into a deleted page.
    m_watcher.waitForFinished();
}

void OverviewPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

void OverviewPage::refresh()
{
    if (!m_connection || !m_connection->isOpen()) {
        m_error->setText(tr("Not connected to the database yet."));
        m_error->show();
        return;
    }
    if (m_watcher.isRunning()) {
        m_refreshAgain = true; // one more after the current one, not a queue of them
        return;
    }
    const QDateTime now = m_clock();
    const QString url = m_connection->databaseUrl();
    m_watcher.setFuture(QtConcurrent::run([url, now] { return OverviewStats::load(url, now); }));
    loadFailures(now);
    updateBusy();
}

void OverviewPage::loadFailures(const QDateTime &nowAny)
{
    RedisClient *redis = m_connection->redis();
    if (!redis || m_failuresPending)
        return;
    const QDateTime now = nowAny.toUTC();
    QList<QByteArray> command{QByteArrayLiteral("MGET")};
    for (int hour = 0; hour <= now.time().hour(); ++hour)
        command.append(SignInFailures::keyFor(QDateTime(now.date(), QTime(hour, 0), Qt::UTC)));
    m_failuresPending = true;
    QPointer<OverviewPage> self(this);
    redis->command(command, [self](const RedisReply &reply) {
        if (!self)
            return;
        self->m_failuresPending = false;
        if (reply.isError()) {
            self->m_failed->setText(u"?"_s);
            self->m_failed->setToolTip(tr("Redis: %1").arg(reply.errorText()));
        } else {
            qint64 total = 0;
            for (const RedisReply &element : reply.elements)
                total += element.string.toLongLong();
            self->m_failed->setText(number(total));
            self->m_failed->setToolTip(QString());
        }
        self->updateBusy();
    });
}

void OverviewPage::showStats(const Result<OverviewStats> &result)
{
    if (!result) {
        m_error->setText(tr("Could not load the overview: %1").arg(result.error().message));
        m_error->show();
        updateBusy();
        emit refreshed();
        return;
    }
    m_error->hide();
    m_stats = *result;
    m_users->setText(number(m_stats.users));
    m_active->setText(number(m_stats.activeSessions));
    m_today->setText(number(m_stats.signInsToday));
    m_updated->setText(tr("Updated %1").arg(QLocale().toString(m_stats.now.toLocalTime().time(),
                                                               QLocale::ShortFormat)));
    drawSignIns();
    showPie(m_countryView, m_stats.byCountry);
    showPie(m_browserView, m_stats.byBrowser);
    updateBusy();
    emit refreshed();
}

void OverviewPage::drawSignIns()
{
    QChart *chart = m_signInView->chart();
    chart->removeAllSeries();
    const QList<QAbstractAxis *> axes = chart->axes();
    for (QAbstractAxis *axis : axes) {
        chart->removeAxis(axis);
        delete axis;
    }
    const bool week = m_range->currentIndex() == 1;
    const QList<qint64> &counts = week ? m_stats.signInsPerHourWeek : m_stats.signInsPerHourDay;
    const QDateTime now = m_stats.now.isValid() ? m_stats.now : m_clock();
    const QDateTime currentHour(now.toUTC().date(), QTime(now.toUTC().time().hour(), 0), Qt::UTC);
    qint64 peak = 1;
    for (qint64 count : counts)
        peak = std::max(peak, count);
    auto *valueAxis = new QValueAxis;
    valueAxis->setLabelFormat(u"%d"_s);
    valueAxis->setRange(0, double(peak));
    valueAxis->applyNiceNumbers();
    chart->legend()->hide();

    if (!week) {
        // 24 bars labelled with the local hour they start.
        auto *set = new QBarSet(tr("Sign-ins"));
        QStringList hours;
        for (int i = 0; i < 24; ++i) {
            set->append(double(i < counts.size() ? counts[i] : 0));
            hours.append(currentHour.addSecs((i - 23) * 3600).toLocalTime().toString(u"HH"_s));
        }
        auto *series = new QBarSeries;
        series->append(set);
        series->setBarWidth(0.8);
        chart->addSeries(series);
        auto *categories = new QBarCategoryAxis;
        categories->append(hours);
        chart->addAxis(categories, Qt::AlignBottom);
        chart->addAxis(valueAxis, Qt::AlignLeft);
        series->attachAxis(categories);
        series->attachAxis(valueAxis);
        return;
    }
    auto *series = new QLineSeries;
    const int points = int(counts.size());
    for (int i = 0; i < points; ++i)
        series->append(double(currentHour.addSecs((i - points + 1) * 3600).toMSecsSinceEpoch()),
                       double(counts[i]));
    chart->addSeries(series);
    auto *timeAxis = new QDateTimeAxis;
    timeAxis->setFormat(u"ddd HH:mm"_s);
    timeAxis->setTickCount(8);
    timeAxis->setRange(currentHour.addSecs(-167 * 3600).toLocalTime(), currentHour.toLocalTime());
    chart->addAxis(timeAxis, Qt::AlignBottom);
    chart->addAxis(valueAxis, Qt::AlignLeft);
    series->attachAxis(timeAxis);
    series->attachAxis(valueAxis);
}

void OverviewPage::updateBusy()
{
    m_busy->setVisible(isLoading());
}

QString OverviewPage::usersText() const { return m_users->text(); }
QString OverviewPage::activeSessionsText() const { return m_active->text(); }
QString OverviewPage::signInsTodayText() const { return m_today->text(); }
QString OverviewPage::failedSignInsText() const { return m_failed->text(); }
QString OverviewPage::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }

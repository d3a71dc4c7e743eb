// The Settings page: its form comes from ConfigSchema, a bad value is refused with a message
// naming the option and nothing is written (neither the file nor the secret store), a good
// save keeps the file's comments, writes what gatehoused reads back, and puts secrets into the
// secret store, never into the file.
#include "server/config/ConfigLoader.h"
#include "server/config/ConfigSchema.h"
#include "server/secrets/FileSecretStore.h"
#include "ui/pages/ConfigFileEditor.h"
#include "ui/pages/SettingsPage.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestSettingsPage : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;
    int m_storeOpens = 0;

    SettingsPage::SecretStoreProvider provider()
    {
        return [this]() -> Result<std::unique_ptr<SecretStore>> {
            ++m_storeOpens;
            return std::unique_ptr<SecretStore>(new FileSecretStore(m_dir.filePath(u"data"_s)));
        };
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(u"gatehouse.conf"_s);
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("# written by hand\nlisten = 127.0.0.1:9000   # the office port\n"
                   "log-level = debug\n");
        file.close();
        m_storeOpens = 0;
    }

    void everySchemaOptionHasAnEditor()
    {
        SettingsPage page(m_path, provider());
        for (const ConfigSchema::Option &option : ConfigSchema::options()) {
            if (option.key != u"config")
                QVERIFY2(page.editor(option.key), qPrintable(option.key));
        }
        QVERIFY(page.editor(u"smtp-password"_s));
        QVERIFY(page.editor(u"sms-auth-token"_s));
        QCOMPARE(qobject_cast<QLineEdit *>(page.editor(u"listen"_s))->text(), u"127.0.0.1:9000"_s);
        QCOMPARE(qobject_cast<QComboBox *>(page.editor(u"log-level"_s))->currentText(), u"debug"_s);
    }

    void refusesABadValueNamingTheOptionAndWritesNothing()
    {
        const QByteArray before = readAll(m_path);
        SettingsPage page(m_path, provider());
        page.show();
        page.setValue(u"workers"_s, u"many"_s);
        page.setValue(u"smtp-password"_s, u"s3cret-password"_s);
        const Status saved = page.save();
        QVERIFY(!saved.ok());
        QVERIFY2(page.messageText().contains(u"workers"_s), qPrintable(page.messageText()));
        QVERIFY2(page.messageText().contains(u"many"_s), qPrintable(page.messageText()));
        QCOMPARE(readAll(m_path), before);
        QCOMPARE(m_storeOpens, 0); // the secret store was not even opened

        page.setValue(u"workers"_s, QString());
        page.setValue(u"session-lifetime"_s, u"5"_s); // below its minimum of 60
        QVERIFY(!page.save().ok());
        QVERIFY2(page.messageText().contains(u"session-lifetime"_s), qPrintable(page.messageText()));
        QCOMPARE(readAll(m_path), before);
    }

    void savesValuesInPlaceAndSecretsToTheStore()
    {
        SettingsPage page(m_path, provider());
        page.setValue(u"workers"_s, u"4"_s);
        page.setValue(u"log-level"_s, QString()); // back to the default: the line goes
        page.setValue(u"smtp-password"_s, u"s3cret-password"_s);
        const Status saved = page.save();
        QVERIFY2(saved.ok(), qPrintable(page.messageText()));

        const QByteArray text = readAll(m_path);
        QVERIFY(text.startsWith("# written by hand\n"));
        QVERIFY2(text.contains("the office port"), text.constData()); // unchanged line kept as is
        QVERIFY(text.contains("workers = \"4\""));
        QVERIFY(!text.contains("log-level"));
        QVERIFY(!text.contains("s3cret"));
        QVERIFY(!text.contains("smtp-password"));
        QCOMPARE(QFile(m_path).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
                 QFileDevice::Permissions());

        // What gatehoused reads from it.
        auto loaded = ConfigLoader::load({u"gatehoused"_s, u"--config"_s, m_path}, QProcessEnvironment());
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().message));
        QCOMPARE(loaded->config.workers, 4);
        QCOMPARE(loaded->config.listenPort, quint16(9000));

        FileSecretStore store(m_dir.filePath(u"data"_s));
        auto secret = store.read(u"smtp-password"_s);
        QVERIFY2(secret.ok(), secret.ok() ? "" : qPrintable(secret.error().message));
        QCOMPARE(*secret, QByteArray("s3cret-password"));
        // The password field is cleared after saving; an empty field leaves the secret alone.
        QVERIFY(qobject_cast<QLineEdit *>(page.editor(u"smtp-password"_s))->text().isEmpty());
        QVERIFY(page.save().ok());
        QCOMPARE(*store.read(u"smtp-password"_s), QByteArray("s3cret-password"));
    }

    void editorRoundTripsQuotedValues()
    {
        auto editor = ConfigFileEditor::open(m_path);
        QVERIFY(editor.ok());
        editor->set(u"token-audience"_s, u"a\"b\\c"_s);
        QCOMPARE(editor->values().value(u"token-audience"_s), u"a\"b\\c"_s);
        QCOMPARE(ConfigFileEditor::parseValue(u"value # comment"_s), u"value"_s);
        QCOMPARE(ConfigFileEditor::parseValue(u"\"x # y\" # c"_s), u"x # y"_s);
    }
};

QTEST_MAIN(TestSettingsPage)
#include "TestSettingsPage.moc"

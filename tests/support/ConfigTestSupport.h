#pragma once

// Shared by the config loader's unit tests (TestConfig, TestConfigFile): a controlled
// environment, the loader run from it, and a test case base that writes config files.

#include "server/config/ConfigLoader.h"

#include <QFile>
#include <QObject>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

namespace ConfigTestSupport {

using namespace Qt::StringLiterals;

inline const QString kHome = u"/home/tester"_s;
inline const QString kProgram = u"/usr/bin/gatehoused"_s;

// A controlled environment: only what each test puts in, plus HOME.
inline QProcessEnvironment environmentWith(const QStringList &assignments = {})
{
    QProcessEnvironment environment;
    environment.insert(u"HOME"_s, kHome);
    environment.insert(u"PATH"_s, u"/usr/bin"_s); // unrelated variables are ignored
    for (const QString &assignment : assignments) {
        const qsizetype eq = assignment.indexOf(u'=');
        environment.insert(assignment.left(eq), assignment.mid(eq + 1));
    }
    return environment;
}

inline ConfigLoader::LoadOptions asUser()
{
    return ConfigLoader::LoadOptions{.runningAsRoot = false};
}

inline Result<LoadedConfig> loadWith(QStringList flags, const QStringList &assignments = {})
{
    flags.prepend(kProgram);
    return ConfigLoader::load(flags, environmentWith(assignments), asUser());
}

// A test case whose config files are numbered files in one temporary directory.
class ConfigTestCase : public QObject
{
protected:
    QTemporaryDir m_dir;
    int m_fileCount = 0;

    QString writeFile(const QByteArray &contents)
    {
        const QString path = m_dir.filePath(u"gatehouse-%1.conf"_s.arg(++m_fileCount));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size())
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }
};

} // namespace ConfigTestSupport

// Fails with the loader's message, so a broken case says what the loader disliked.
#define VERIFY_LOADED(result)                                                                      \
    QVERIFY2((result).ok(), qPrintable((result).ok() ? QString() : (result).error().message))

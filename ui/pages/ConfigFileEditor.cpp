#include "ConfigFileEditor.h"

#include "server/config/ConfigLoader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QSaveFile>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;

namespace {

// The key of a `key = value` line, or empty for comments, blanks and anything else.
QString keyOf(const QString &line)
{
    const QString trimmed = line.trimmed();
    if (trimmed.isEmpty() || trimmed.startsWith(u'#') || trimmed.startsWith(u';'))
        return {};
    const qsizetype eq = trimmed.indexOf(u'=');
    return eq > 0 ? trimmed.left(eq).trimmed() : QString();
}

} // namespace

Result<ConfigFileEditor> ConfigFileEditor::open(const QString &path)
{
    ConfigFileEditor editor;
    editor.m_path = path;
    QFile file(path);
    if (!file.exists())
        return editor;
    if (!file.open(QIODevice::ReadOnly))
        return makeError(u"CONFIG_FILE_UNREADABLE"_s,
                         u"config: cannot read "_s + path + u": "_s + file.errorString());
    QString text = QString::fromUtf8(file.readAll());
    if (text.startsWith(QChar(0xFEFF)))
        text.remove(0, 1);
    if (text.endsWith(u'\n'))
        text.chop(1);
    editor.m_lines = text.isEmpty() ? QStringList() : text.split(u'\n');
    return editor;
}

QString ConfigFileEditor::parseValue(const QString &rest)
{
    // A broken value reads as empty here; validate() reports it with the loader's message.
    const Result<QString> value = ConfigLoader::parseFileValue(rest.trimmed());
    return value ? *value : QString();
}

QString ConfigFileEditor::quote(const QString &value)
{
    QString escaped = value;
    escaped.replace(u'\\', u"\\\\"_s).replace(u'"', u"\\\""_s);
    return u'"' + escaped + u'"';
}

QMap<QString, QString> ConfigFileEditor::values() const
{
    QMap<QString, QString> map;
    for (const QString &line : m_lines) {
        const QString key = keyOf(line);
        if (!key.isEmpty())
            map.insert(key, parseValue(line.mid(line.indexOf(u'=') + 1)));
    }
    return map;
}

void ConfigFileEditor::set(const QString &key, const QString &value)
{
    const QString line = key + u" = "_s + quote(value);
    bool written = false;
    for (qsizetype i = 0; i < m_lines.size();) {
        if (keyOf(m_lines[i]) != key) {
            ++i;
            continue;
        }
        // The first occurrence takes the new value; repeats (the loader lets the last win)
        // go, so the file says one thing.
        if (!written && !value.isEmpty()) {
            if (parseValue(m_lines[i].mid(m_lines[i].indexOf(u'=') + 1)) != value)
                m_lines[i] = line;
            written = true;
            ++i;
        } else {
            m_lines.removeAt(i);
        }
    }
    if (!written && !value.isEmpty())
        m_lines.append(line);
}

Status ConfigFileEditor::validate() const
{
    // The loader reads files only; a private directory keeps the candidate (which may hold a
    // database password) away from other users.
    QTemporaryDir dir;
    if (!dir.isValid())
        return makeError(u"CONFIG_FILE_UNREADABLE"_s, u"config: no temporary directory"_s);
    const QString candidate = dir.filePath(u"candidate.conf"_s);
    QFile file(candidate);
    if (!file.open(QIODevice::WriteOnly) || file.write(text().toUtf8() + '\n') < 0)
        return makeError(u"CONFIG_FILE_UNREADABLE"_s, u"config: cannot write a temporary copy"_s);
    file.close();
    QProcessEnvironment environment; // empty: only the file is judged
    environment.insert(u"HOME"_s, QDir::homePath());
    auto loaded = ConfigLoader::load({u"gatehouse"_s, u"--config"_s, candidate}, environment);
    if (!loaded) {
        // Messages name the key and "candidate.conf:LINE"; point at the real file instead.
        QString message = loaded.error().message;
        message.replace(candidate, m_path);
        return makeError(loaded.error().code, message);
    }
    return {};
}

Status ConfigFileEditor::save() const
{
    if (Status valid = validate(); !valid)
        return valid;
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(u"CONFIG_FILE_UNREADABLE"_s,
                         u"config: cannot write "_s + m_path + u": "_s + file.errorString());
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(text().toUtf8() + '\n');
    if (!file.commit())
        return makeError(u"CONFIG_FILE_UNREADABLE"_s,
                         u"config: cannot write "_s + m_path + u": "_s + file.errorString());
    return {};
}

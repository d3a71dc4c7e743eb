// JsonBody: content types, parsing and every field reader's errors, without a server.
#include "server/http/JsonBody.h"

#include <QJsonDocument>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace {
const QByteArray kJson = "application/json"_ba;

// The fields of a typical form, read the way a handler would; the first failure wins.
void readProfile(JsonBody &body)
{
    (void)body.requiredString(u"email"_s, 255);
    (void)body.requiredString(u"firstName"_s, 5, 2);
    (void)body.optionalString(u"bio"_s, 20, 0, JsonBody::Text::MultiLine);
    (void)body.optionalInt(u"age"_s, 0, 150);
    (void)body.optionalBool(u"admin"_s);
    (void)body.optionalObject(u"metadata"_s, 40);
    (void)body.optionalArray(u"tags"_s, 3, 1);
}

QString messageOf(const JsonBody &body)
{
    return body.failed() ? body.failure()->message : QString();
}

QByteArray withProfile(const QByteArray &extra)
{
    QByteArray body = R"({"email":"a@example.org","firstName":"Ann")"_ba;
    if (!extra.isEmpty())
        body += ',' + extra;
    return body + '}';
}
} // namespace

class TestJsonBody : public QObject
{
    Q_OBJECT

private slots:
    void failures_data()
    {
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message"); // must be contained in the message

        const QString none;
        // Content types.
        QTest::newRow("no content type")
            << QByteArray() << withProfile({}) << 415 << u"UNSUPPORTED_MEDIA_TYPE"_s << none
            << u"the request has none"_s;
        QTest::newRow("blank content type") << "  "_ba << withProfile({}) << 415
                                            << u"UNSUPPORTED_MEDIA_TYPE"_s << none << u"has none"_s;
        QTest::newRow("text/plain") << "text/plain"_ba << withProfile({}) << 415
                                    << u"UNSUPPORTED_MEDIA_TYPE"_s << none << u"not text/plain"_s;
        QTest::newRow("form") << "application/x-www-form-urlencoded"_ba
                              << "email=a"_ba << 415 << u"UNSUPPORTED_MEDIA_TYPE"_s << none
                              << u"not application/x-www-form-urlencoded"_s;
        QTest::newRow("json suffix type")
            << "application/problem+json"_ba << withProfile({}) << 415
            << u"UNSUPPORTED_MEDIA_TYPE"_s << none << u"problem+json"_s;
        QTest::newRow("latin-1 charset")
            << "application/json; charset=ISO-8859-1"_ba << withProfile({}) << 415
            << u"UNSUPPORTED_MEDIA_TYPE"_s << none << u"UTF-8, not iso-8859-1"_s;
        QTest::newRow("control chars in type")
            << "text/\x01html"_ba << withProfile({}) << 415 << u"UNSUPPORTED_MEDIA_TYPE"_s << none
            << u"text/?html"_s;
        // Bodies.
        QTest::newRow("empty body")
            << kJson << QByteArray() << 400 << u"INVALID_JSON"_s << none << u"the body is empty"_s;
        QTest::newRow("whitespace body")
            << kJson << " \n"_ba << 400 << u"INVALID_JSON"_s << none << u"the body is empty"_s;
        QTest::newRow("truncated") << kJson << R"({"email":"a")"_ba << 400 << u"INVALID_JSON"_s
                                   << none << u"at offset 12"_s;
        QTest::newRow("trailing comma") << kJson << R"({"email":"a",})"_ba << 400
                                        << u"INVALID_JSON"_s << none << u"not valid JSON"_s;
        QTest::newRow("single quotes") << kJson << "{'email':'a'}"_ba << 400 << u"INVALID_JSON"_s
                                       << none << u"not valid JSON"_s;
        QTest::newRow("invalid utf-8") << kJson << "{\"email\":\"\xff\"}"_ba << 400
                                       << u"INVALID_JSON"_s << none << u"not valid JSON"_s;
        QTest::newRow("huge exponent") << kJson << R"({"age":1e400})"_ba << 400 << u"INVALID_JSON"_s
                                       << none << u"not valid JSON"_s;
        QTest::newRow("array") << kJson << R"([{"email":"a"}])"_ba << 400 << u"INVALID_JSON"_s
                               << none << u"body must be a JSON object, not an array"_s;
        QTest::newRow("string") << kJson << R"("email")"_ba << 400 << u"INVALID_JSON"_s << none
                                << u"body must be a JSON object"_s;
        QTest::newRow("number") << kJson << "42"_ba << 400 << u"INVALID_JSON"_s << none
                                << u"body must be a JSON object"_s;
        // Missing fields; null counts as missing.
        QTest::newRow("missing email")
            << kJson << R"({"firstName":"Ann"})"_ba << 400 << u"MISSING_FIELD"_s << u"email"_s
            << u"email is required"_s;
        QTest::newRow("null email") << kJson << R"({"email":null,"firstName":"Ann"})"_ba << 400
                                    << u"MISSING_FIELD"_s << u"email"_s << u"email is required"_s;
        QTest::newRow("empty object") << kJson << "{}"_ba << 400 << u"MISSING_FIELD"_s << u"email"_s
                                      << u"email is required"_s;
        // Wrong types, one per reader.
        QTest::newRow("string as number")
            << kJson << R"({"email":5,"firstName":"Ann"})"_ba << 400 << u"INVALID_FIELD"_s
            << u"email"_s << u"email must be a string"_s;
        QTest::newRow("string as array")
            << kJson << R"({"email":"a","firstName":["Ann"]})"_ba << 400 << u"INVALID_FIELD"_s
            << u"firstName"_s << u"firstName must be a string"_s;
        QTest::newRow("string as bool")
            << kJson << withProfile(R"("bio":true)") << 400 << u"INVALID_FIELD"_s << u"bio"_s
            << u"bio must be a string"_s;
        QTest::newRow("int as string")
            << kJson << withProfile(R"("age":"42")") << 400 << u"INVALID_FIELD"_s << u"age"_s
            << u"age must be an integer"_s;
        QTest::newRow("int as fraction")
            << kJson << withProfile(R"("age":4.5)") << 400 << u"INVALID_FIELD"_s << u"age"_s
            << u"age must be an integer"_s;
        QTest::newRow("bool as string")
            << kJson << withProfile(R"("admin":"true")") << 400 << u"INVALID_FIELD"_s << u"admin"_s
            << u"admin must be true or false"_s;
        QTest::newRow("bool as number")
            << kJson << withProfile(R"("admin":1)") << 400 << u"INVALID_FIELD"_s << u"admin"_s
            << u"admin must be true or false"_s;
        QTest::newRow("object as array")
            << kJson << withProfile(R"("metadata":[])") << 400 << u"INVALID_FIELD"_s
            << u"metadata"_s << u"metadata must be an object"_s;
        QTest::newRow("array as object")
            << kJson << withProfile(R"("tags":{})") << 400 << u"INVALID_FIELD"_s << u"tags"_s
            << u"tags must be an array"_s;
        // Lengths and ranges.
        QTest::newRow("too long") << kJson << R"({"email":"a","firstName":"Annabel"})"_ba << 400
                                  << u"FIELD_TOO_LONG"_s << u"firstName"_s
                                  << u"firstName is longer than 5 characters"_s;
        QTest::newRow("too short")
            << kJson << R"({"email":"a","firstName":"A"})"_ba << 400 << u"FIELD_TOO_SHORT"_s
            << u"firstName"_s << u"firstName is shorter than 2 characters"_s;
        QTest::newRow("empty required")
            << kJson << R"({"email":"","firstName":"Ann"})"_ba << 400 << u"FIELD_TOO_SHORT"_s
            << u"email"_s << u"email must not be empty"_s;
        QTest::newRow("six emoji")
            << kJson << "{\"email\":\"a\",\"firstName\":\"😀😀😀😀😀😀\"}"_ba << 400
            << u"FIELD_TOO_LONG"_s << u"firstName"_s << u"longer than 5 characters"_s;
        QTest::newRow("combining marks count")
            << kJson << "{\"email\":\"a\",\"firstName\":\"e\u0301e\u0301e\u0301\"}"_ba << 400
            << u"FIELD_TOO_LONG"_s << u"firstName"_s << u"longer than 5"_s;
        QTest::newRow("age below")
            << kJson << withProfile(R"("age":-1)") << 400 << u"FIELD_OUT_OF_RANGE"_s << u"age"_s
            << u"age must be between 0 and 150"_s;
        QTest::newRow("age above") << kJson << withProfile(R"("age":151)") << 400
                                   << u"FIELD_OUT_OF_RANGE"_s << u"age"_s << u"between 0 and 150"_s;
        QTest::newRow("huge integer")
            << kJson << withProfile(R"("age":123456789012345678901234567890)") << 400
            << u"FIELD_OUT_OF_RANGE"_s << u"age"_s << u"between 0 and 150"_s;
        QTest::newRow("huge negative")
            << kJson << withProfile(R"("age":-1e300)") << 400 << u"FIELD_OUT_OF_RANGE"_s << u"age"_s
            << u"between 0 and 150"_s;
        QTest::newRow("metadata too large")
            << kJson
            << withProfile(R"("metadata":{"a":{"b":{"c":"0123456789012345678901234567"}}})") << 400
            << u"FIELD_TOO_LARGE"_s << u"metadata"_s << u"metadata is larger than 40 bytes"_s;
        QTest::newRow("metadata with NUL")
            << kJson << withProfile(R"("metadata":{"a":["\u0000"]})") << 400 << u"INVALID_FIELD"_s
            << u"metadata"_s << u"NUL"_s;
        QTest::newRow("metadata NUL key") << kJson << withProfile(R"("metadata":{"\u0000":1})")
                                          << 400 << u"INVALID_FIELD"_s << u"metadata"_s << u"NUL"_s;
        QTest::newRow("metadata lone surrogate")
            << kJson << withProfile(R"("metadata":{"a":"\udc00"})") << 400 << u"INVALID_FIELD"_s
            << u"metadata"_s << u"invalid Unicode"_s;
        QTest::newRow("too many tags")
            << kJson << withProfile(R"("tags":["a","b","c","d"])") << 400 << u"FIELD_TOO_LARGE"_s
            << u"tags"_s << u"tags has more than 3 items"_s;
        QTest::newRow("too few tags") << kJson << withProfile(R"("tags":[])") << 400
                                      << u"FIELD_TOO_SHORT"_s << u"tags"_s << u"at least 1 item"_s;
        // Characters.
        QTest::newRow("NUL") << kJson << R"({"email":"a\u0000b","firstName":"Ann"})"_ba << 400
                             << u"INVALID_FIELD"_s << u"email"_s
                             << u"email contains a NUL character"_s;
        QTest::newRow("bell") << kJson << R"({"email":"a\u0007","firstName":"Ann"})"_ba << 400
                              << u"INVALID_FIELD"_s << u"email"_s
                              << u"control character (U+0007)"_s;
        QTest::newRow("escape") << kJson << R"({"email":"a\u001bm","firstName":"Ann"})"_ba << 400
                                << u"INVALID_FIELD"_s << u"email"_s << u"(U+001B)"_s;
        QTest::newRow("DEL") << kJson << R"({"email":"a\u007f","firstName":"Ann"})"_ba << 400
                             << u"INVALID_FIELD"_s << u"email"_s << u"(U+007F)"_s;
        QTest::newRow("C1 control") << kJson << R"({"email":"a\u0085","firstName":"Ann"})"_ba << 400
                                    << u"INVALID_FIELD"_s << u"email"_s << u"(U+0085)"_s;
        QTest::newRow("tab in single line")
            << kJson << R"({"email":"a\tb","firstName":"Ann"})"_ba << 400 << u"INVALID_FIELD"_s
            << u"email"_s << u"(U+0009)"_s;
        QTest::newRow("newline in single line")
            << kJson << R"({"email":"a\nb","firstName":"Ann"})"_ba << 400 << u"INVALID_FIELD"_s
            << u"email"_s << u"email must be a single line"_s;
        QTest::newRow("line separator")
            << kJson << R"({"email":"a\u2028b","firstName":"Ann"})"_ba << 400 << u"INVALID_FIELD"_s
            << u"email"_s << u"single line"_s;
        QTest::newRow("lone high surrogate")
            << kJson << R"({"email":"a\ud800","firstName":"Ann"})"_ba << 400 << u"INVALID_FIELD"_s
            << u"email"_s << u"email is not valid Unicode text"_s;
        QTest::newRow("lone low surrogate")
            << kJson << R"({"email":"\udc00a","firstName":"Ann"})"_ba << 400 << u"INVALID_FIELD"_s
            << u"email"_s << u"not valid Unicode"_s;
        QTest::newRow("bell in multi-line") << kJson << withProfile(R"("bio":"ding\u0007")") << 400
                                            << u"INVALID_FIELD"_s << u"bio"_s << u"(U+0007)"_s;
        QTest::newRow("NUL in multi-line") << kJson << withProfile(R"("bio":"\u0000")") << 400
                                           << u"INVALID_FIELD"_s << u"bio"_s << u"NUL"_s;
        // The first failure is the one reported.
        QTest::newRow("first failure wins")
            << kJson << R"({"firstName":7,"age":"x"})"_ba << 400 << u"MISSING_FIELD"_s << u"email"_s
            << u"email is required"_s;
    }

    void failures()
    {
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, field);
        QFETCH(QString, message);

        JsonBody json(contentType, body);
        readProfile(json);
        QVERIFY(json.failed());
        const JsonBody::Failure &failure = *json.failure();
        QCOMPARE(failure.status, status);
        QCOMPARE(failure.code, code);
        QCOMPARE(failure.field, field);
        QVERIFY2(failure.message.contains(message), qPrintable(failure.message));

        // The envelope: code and message always, field only when there is one.
        const QJsonObject error = json.errorJson().value(u"error"_s).toObject();
        QCOMPARE(error.value(u"code"_s).toString(), code);
        QCOMPARE(error.value(u"message"_s).toString(), failure.message);
        QCOMPARE(error.contains(u"field"_s), !field.isEmpty());
        if (!field.isEmpty())
            QCOMPARE(error.value(u"field"_s).toString(), field);
    }

    void acceptedBodies_data()
    {
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("plain") << kJson << withProfile({});
        QTest::newRow("charset utf-8") << "application/json; charset=utf-8"_ba << withProfile({});
        QTest::newRow("charset UTF-8 quoted, upper-case type")
            << "Application/JSON;charset=\"UTF-8\""_ba << withProfile({});
        QTest::newRow("other parameter") << "application/json; profile=x"_ba << withProfile({});
        QTest::newRow("nulls are absent")
            << kJson
            << withProfile(R"("bio":null,"age":null,"admin":null,"metadata":null,"tags":null)");
        QTest::newRow("exact limits")
            << kJson << R"({"email":"a","firstName":"Annab","age":150,"tags":["a","b","c"]})"_ba;
        QTest::newRow("five emoji") << kJson << "{\"email\":\"a\",\"firstName\":\"😀😀😀😀😀\"}"_ba;
        QTest::newRow("accents") << kJson << "{\"email\":\"a\",\"firstName\":\"Zoë\"}"_ba;
        QTest::newRow("multi-line text") << kJson << withProfile(R"("bio":"line 1\r\nline 2\tok")");
        QTest::newRow("metadata with control chars")
            << kJson << withProfile(R"("metadata":{"a":"\u0007"})");
        QTest::newRow("unknown fields ignored") << kJson << withProfile(R"("whatever":[1,2,3])");
    }

    void acceptedBodies()
    {
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, body);
        JsonBody json(contentType, body);
        readProfile(json);
        QVERIFY2(!json.failed(), qPrintable(messageOf(json)));
        QVERIFY(json.errorJson().isEmpty());
    }

    void valuesAreReturned()
    {
        JsonBody json(kJson,
                      R"({"email":"ann@example.org","name":"Zoë 😀","age":42,"big":9007199254740993,
                                 "neg":-9223372036854775808,"whole":1.0,"exp":1e2,"on":true,"off":false,
                                 "meta":{"k":[1,"v"]},"list":["x","y"],"nothing":null})"_ba);
        QCOMPARE(json.requiredString(u"email"_s, 255), u"ann@example.org"_s);
        QCOMPARE(json.requiredString(u"name"_s, 6), u"Zoë 😀"_s);
        QCOMPARE(json.optionalString(u"absent"_s, 10), std::nullopt);
        QCOMPARE(json.optionalString(u"nothing"_s, 10), std::nullopt);
        QCOMPARE(json.requiredInt(u"age"_s, 0, 150), 42);
        QCOMPARE(json.requiredInt(u"big"_s, 0, std::numeric_limits<qint64>::max()),
                 9007199254740993LL);
        QCOMPARE(json.requiredInt(u"neg"_s, std::numeric_limits<qint64>::min(), 0),
                 std::numeric_limits<qint64>::min());
        QCOMPARE(json.requiredInt(u"whole"_s, 0, 10), 1);
        QCOMPARE(json.optionalInt(u"exp"_s, 0, 100), std::optional<qint64>(100));
        QCOMPARE(json.optionalInt(u"absent"_s, 0, 100), std::nullopt);
        QCOMPARE(json.requiredBool(u"on"_s), true);
        QCOMPARE(json.optionalBool(u"off"_s), std::optional<bool>(false));
        QCOMPARE(json.optionalBool(u"absent"_s), std::nullopt);
        const QJsonObject meta = json.requiredObject(u"meta"_s, 100);
        QCOMPARE(meta.value(u"k"_s).toArray().size(), 2);
        QCOMPARE(json.optionalObject(u"absent"_s, 100), std::nullopt);
        QCOMPARE(json.requiredArray(u"list"_s, 2).size(), 2);
        QVERIFY(json.contains(u"nothing"_s));
        QVERIFY2(!json.failed(), qPrintable(messageOf(json)));
        QCOMPARE(json.object().size(), 12);
    }

    void requiredReadersReportMissingFields_data()
    {
        QTest::addColumn<int>("reader");
        QTest::newRow("int") << 0;
        QTest::newRow("bool") << 1;
        QTest::newRow("object") << 2;
        QTest::newRow("array") << 3;
    }

    void requiredReadersReportMissingFields()
    {
        QFETCH(int, reader);
        JsonBody json(kJson, R"({"other":1})"_ba);
        switch (reader) {
        case 0:
            QCOMPARE(json.requiredInt(u"count"_s, 0, 9), 0);
            break;
        case 1:
            QCOMPARE(json.requiredBool(u"count"_s), false);
            break;
        case 2:
            QVERIFY(json.requiredObject(u"count"_s, 10).isEmpty());
            break;
        default:
            QVERIFY(json.requiredArray(u"count"_s, 10).isEmpty());
            break;
        }
        QVERIFY(json.failed());
        QCOMPARE(json.failure()->code, u"MISSING_FIELD"_s);
        QCOMPARE(json.failure()->message, u"count is required"_s);
        QCOMPARE(json.failure()->field, u"count"_s);
    }

    void readsAfterAFailureChangeNothing()
    {
        JsonBody json(kJson, R"({"a":1,"b":"text"})"_ba);
        QCOMPARE(json.requiredString(u"a"_s, 10), QString());
        QCOMPARE(json.failure()->field, u"a"_s);
        // b is fine, but nothing is returned or recorded once the body has failed.
        QCOMPARE(json.requiredString(u"b"_s, 10), QString());
        QCOMPARE(json.requiredString(u"missing"_s, 10), QString());
        QCOMPARE(json.failure()->field, u"a"_s);
        QCOMPARE(json.failure()->code, u"INVALID_FIELD"_s);
    }

    void handlersCanAddTheirOwnFieldErrors()
    {
        JsonBody json(kJson, R"({"email":"not an address"})"_ba);
        const QString email = json.requiredString(u"email"_s, 255);
        QVERIFY(!json.failed());
        if (!email.contains(u'@'))
            json.fail(u"email"_s, u"INVALID_EMAIL"_s, u"email is not an email address"_s);
        json.fail(u"other"_s, u"LATER"_s, u"ignored: the first failure is kept"_s);
        QVERIFY(json.failed());
        QCOMPARE(
            QJsonDocument(json.errorJson()).toJson(QJsonDocument::Compact),
            R"({"error":{"code":"INVALID_EMAIL","field":"email","message":"email is not an email address"}})"_ba);
        // Without an exchange respondError() has nothing to answer and must not crash.
        json.respondError();
    }

    void longContentTypesAreShortenedInTheMessage()
    {
        const QByteArray type = "text/" + QByteArray(500, 'x');
        JsonBody json(type, "{}"_ba);
        QVERIFY(json.failed());
        QVERIFY(json.failure()->message.size() < 200);
        QVERIFY(json.failure()->message.endsWith(u'…'));
    }

    void characterCount_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qsizetype>("count");
        QTest::newRow("empty") << QString() << qsizetype(0);
        QTest::newRow("ascii") << u"abc"_s << qsizetype(3);
        QTest::newRow("latin") << u"Zoë"_s << qsizetype(3);
        QTest::newRow("emoji") << u"😀😀"_s << qsizetype(2);
        QTest::newRow("cjk") << u"東京"_s << qsizetype(2);
        QTest::newRow("lone surrogate") << QString(QChar(0xD800)) << qsizetype(1);
    }

    void characterCount()
    {
        QFETCH(QString, text);
        QFETCH(qsizetype, count);
        QCOMPARE(JsonBody::characterCount(text), count);
    }
};

QTEST_APPLESS_MAIN(TestJsonBody)
#include "TestJsonBody.moc"

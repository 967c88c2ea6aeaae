"""The prose of a description: pasted blocks, logs, stack traces, flag dumps and URLs left out."""

from __future__ import annotations

from syncd.text.prose import noise, prose


def test_code_noformat_and_quote_blocks_are_left_out() -> None:
    text = "Before {code:java}auth credentials{code} middle {noformat}tls{noformat} {quote}acl{quote} after"
    kept = prose(text)
    assert all(word in kept for word in ("Before", "middle", "after"))
    assert not any(word in kept for word in ("auth", "tls", "acl"))


def test_an_unclosed_block_runs_to_the_end() -> None:
    assert prose("The test is flaky {code} I0114 authentication enabled").strip() == "The test is flaky"


def test_markdown_fences_are_left_out_closed_or_not() -> None:
    assert "secret" not in prose("See ```\nsecret = 1\n``` and ```\nmore secret")


def test_log_lines_stack_frames_and_flag_dumps_are_left_out() -> None:
    text = "\n".join(
        [
            "The agent hangs.",
            "I0114 18:51:34.716913  4736 master.cpp:308] Master only allowing authenticated frameworks",
            "2016-01-02 10:00:00,123 ERROR credentials rejected",
            "[ RUN      ] HookTest.VerifySlaveLaunchExecutorHook",
            "    @     0x7f2a3c4d5e6f  google::LogMessage::Fail()",
            "    at org.apache.Foo.bar(Foo.java:12)",
            "--authenticate=true",
            "$ ./bin/mesos-master.sh --acls=file",
            "It happens every time.",
        ]
    )
    kept = prose(text)
    assert all(line in kept for line in ("The agent hangs.", "It happens every time."))
    for word in ("authenticated", "credentials", "HookTest", "LogMessage", "Foo", "authenticate", "acls"):
        assert word not in kept, word


def test_flattened_line_breaks_are_read_as_breaks() -> None:
    text = "Flaky on CI.  I0114 18:51:34.659353  4720 leveldb.cpp:176] authorization enabled  Seen twice."
    kept = prose(text)
    assert "authorization" not in kept
    assert all(line in kept for line in ("Flaky on CI.", "Seen twice."))


def test_urls_are_left_out() -> None:
    kept = prose("See https://example.org/security/tls and www.example.com/acl for the crash")
    assert not any(word in kept for word in ("security", "acl"))
    assert "crash" in kept


def test_noise_is_what_prose_leaves_out() -> None:
    text = "Prose here. {code}secret{code}  I0114 18:51:34.1 1 a.cpp:1] token  https://x.org/y"
    left_out = noise(text)
    assert all(part in left_out for part in ("secret", "token", "https://x.org/y"))
    assert "Prose" not in left_out


def test_empty_text() -> None:
    assert prose("") == noise("") == ""

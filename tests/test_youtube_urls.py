import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import errors
from core.youtube import find_video_id, parse_video_id

VID = "dQw4w9WgXcQ"

FORMS = [
    "https://www.youtube.com/watch?v={id}",
    "http://youtube.com/watch?v={id}",
    "youtube.com/watch?v={id}",
    "www.youtube.com/watch?v={id}&t=42s",
    "https://www.youtube.com/watch?feature=share&v={id}&list=PL123",
    "https://m.youtube.com/watch?v={id}",
    "https://music.youtube.com/watch?v={id}&si=abc",
    "https://youtu.be/{id}",
    "https://youtu.be/{id}?t=90",
    "youtu.be/{id}?si=xyz",
    "https://www.youtube.com/shorts/{id}",
    "https://youtube.com/shorts/{id}?feature=share",
    "https://www.youtube.com/live/{id}?si=1",
    "https://www.youtube.com/embed/{id}?start=10",
    "https://www.youtube-nocookie.com/embed/{id}",
    "https://www.youtube.com/v/{id}",
    "HTTPS://WWW.YOUTUBE.COM/watch?v={id}",
    "look at this https://youtu.be/{id} it's great",
    "(https://www.youtube.com/watch?v={id})",
    "<https://youtu.be/{id}>",
    "{id}",
]


@pytest.mark.parametrize("form", FORMS)
def test_every_url_form_gives_the_id(form: str) -> None:
    assert parse_video_id(form.format(id=VID)) == VID


@pytest.mark.parametrize(
    ("text", "video_id"),
    [
        ("https://youtu.be/dQw4w9WgXcQ!!", VID),
        ("Check this out: https://youtu.be/vocabDemo02.", "vocabDemo02"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ, then this", VID),
        ("did you see https://youtu.be/dQw4w9WgXcQ?", VID),
        ("«https://youtu.be/dQw4w9WgXcQ»…", VID),
        ("https://youtu.be/dQw4w9WgXcQ?t=90.", VID),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ;", VID),
    ],
)
def test_punctuation_after_a_link_is_not_part_of_the_id(text: str, video_id: str) -> None:
    assert parse_video_id(text) == video_id


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://youtu.be/dQw4w9WgXcQX",  # 12 id characters: not an id
        "https://youtu.be/dQw4w9WgXc!",  # 10
        "hello",
        "informative",  # 11 lowercase letters: a word, not an id
        "https://example.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/channel/UC1234567890",
        "https://www.youtube.com/@somebody",
        "https://youtu.be/",
        "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
        "dQw4w9WgXcQ and more words",
    ],
)
def test_garbage_is_not_a_video_link(text: str) -> None:
    with pytest.raises(errors.NotAVideoLink) as info:
        parse_video_id(text)
    assert "YouTube video link" in info.value.user_message
    assert find_video_id(text) is None


ids = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    min_size=11,
    max_size=11,
)


@given(video_id=ids, form=st.sampled_from(FORMS[:-1]), before=st.text(max_size=20))
def test_any_id_in_any_form_round_trips(video_id: str, form: str, before: str) -> None:
    text = f"{before.replace('youtu', '')} {form.format(id=video_id)}"
    assert parse_video_id(text) == video_id


@given(st.text(max_size=200).filter(lambda t: "youtu" not in t.lower()))
def test_text_without_a_youtube_host_is_never_a_long_link(text: str) -> None:
    result = find_video_id(text)
    # Only a bare id sent alone may pass without a YouTube host.
    assert result is None or result == text.strip()


@given(
    video_id=ids,
    form=st.sampled_from(FORMS[:17]),
    after=st.text(alphabet=".,;:!?…»)]\"'”", min_size=1, max_size=3),
)
def test_any_link_followed_by_punctuation_round_trips(video_id: str, form: str, after: str) -> None:
    assert parse_video_id(f"Look: {form.format(id=video_id)}{after} ok") == video_id

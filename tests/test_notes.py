import codecs

import pytest

from vertcode.read.files import find_notes, read_notes
from vertcode.read.text import NoteError, NoteSource, decode

TEXT = "Vertebroplasty at T5 – cement.\r\nNo complications."


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),
        TEXT.encode("cp1252"),
    ],
)
def test_decodes_common_encodings_keeping_line_ends(data):
    assert decode(data, "n.txt") == TEXT


def test_binary_is_an_error_naming_the_file():
    with pytest.raises(NoteError, match=r"^scan\.txt: binary file"):
        decode(b"%PDF\x00\x00", "scan.txt")


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000)
    with pytest.raises(NoteError, match="2,000 bytes is over the 1,000-byte limit"):
        read_notes(NoteSource(str(path), path), max_bytes=1000)


def test_directory_and_dangling_link_are_errors(tmp_path):
    folder = tmp_path / "looks-like.txt"
    folder.mkdir()
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "missing.txt")
    with pytest.raises(NoteError, match="is a directory"):
        read_notes(NoteSource(str(folder), folder))
    with pytest.raises(NoteError, match="dangling symbolic link"):
        read_notes(NoteSource(str(link), link))


def test_find_notes_is_recursive_sorted_and_survives_link_loops(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "1.txt").write_text("x")
    (tmp_path / "b" / "loop").symlink_to(tmp_path)
    (tmp_path / "3.rtf").write_text("x")
    (tmp_path / "skip.xlsx").write_text("x")
    assert [s.path.relative_to(tmp_path).as_posix() for s in find_notes(tmp_path)] == ["1.txt", "3.rtf", "b/2.txt"]
    assert [s.path.name for s in find_notes(tmp_path, "*.txt")] == ["1.txt", "2.txt"]

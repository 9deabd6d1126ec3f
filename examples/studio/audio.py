"""Soundtracks. Migrated to the FileOutput API early: the client hands us the file to read."""

import replicate


def save_soundtrack(prompt: str, path: str) -> int:
    """Generate music for `prompt`, write it to `path`, return the number of bytes written."""
    # use_file_output=True gives FileOutput on 0.34 as well, so this module works on both.
    track = replicate.run(
        "meta/musicgen",
        input={"prompt": prompt, "duration": 8},
        use_file_output=True,
    )
    data = track.read()
    with open(path, "wb") as f:
        f.write(data)
    return len(data)

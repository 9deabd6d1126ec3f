"""Text steps: captions for images and a small chat helper. Text output is plain str."""

import replicate

CHAT_MODEL = "meta/meta-llama-3-8b-instruct"
STREAM_MODEL = "mistralai/mixtral-8x7b-instruct-v0.1"


def caption(image_url: str) -> str:
    text = replicate.run("salesforce/blip", input={"image": image_url, "task": "image_captioning"})
    return text.removeprefix("Caption: ").strip()


def chat(question: str) -> str:
    tokens = replicate.run(CHAT_MODEL, input={"prompt": question, "max_new_tokens": 64})
    return "".join(tokens).strip()


def chat_streaming(question: str) -> str:
    pieces = [str(event) for event in replicate.stream(STREAM_MODEL, input={"prompt": question})]
    return "".join(pieces).strip()

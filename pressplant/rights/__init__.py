"""Rights: what a label has licensed, where and when (DDEX ERN deals), and who is owed what for a sale."""

"""Every text and keyboard a person sees: Telegram HTML, escaped, through the message catalogs."""

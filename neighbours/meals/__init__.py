"""Canteens and shared meals: seat pools, signups, the waitlist, check-in, pay-what-you-can."""

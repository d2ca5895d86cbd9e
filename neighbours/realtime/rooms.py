"""Socket.IO room names, in one place."""


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def neighbourhood_room(neighbourhood_id: int) -> str:
    return f"neighbourhood:{neighbourhood_id}"


def meal_room(meal_id: int) -> str:
    return f"meal:{meal_id}"


def moderators_room(neighbourhood_id: int) -> str:
    return f"moderators:{neighbourhood_id}"

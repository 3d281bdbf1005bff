"""The desktop's data layer over ``citizen_center``: plain values in, plain values out (no ORM
objects cross into the views or between threads), drafts on disk."""

"""Operations' services: backup, restore and the nightly backup."""

"""Reference solutions for the built-in code problems.

Each function is both the oracle that computes a test's expected value and, through its source
text, the reference solution a problem carries. They use no imports, so the source runs as is in
the sandbox.
"""

from __future__ import annotations


def add(a: int, b: int) -> int:
    return a + b


def reverse_string(s: str) -> str:
    return s[::-1]


def is_even(n: int) -> bool:
    return n % 2 == 0


def max_of_list(nums: list[int]) -> int:
    best = nums[0]
    for n in nums[1:]:
        if n > best:
            best = n
    return best


def count_vowels(s: str) -> int:
    return sum(1 for ch in s.lower() if ch in "aeiou")


def factorial(n: int) -> int:
    result = 1
    for k in range(2, n + 1):
        result *= k
    return result


def fizzbuzz(n: int) -> str:
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)


def sum_of_digits(n: int) -> int:
    return sum(int(d) for d in str(abs(n)))


def is_palindrome(s: str) -> bool:
    lowered = s.lower()
    return lowered == lowered[::-1]


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    k = 2
    while k * k <= n:
        if n % k == 0:
            return False
        k += 1
    return True


def fibonacci(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return abs(a)


def remove_duplicates(items: list[int]) -> list[int]:
    seen: set[int] = set()
    kept: list[int] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            kept.append(item)
    return kept


def count_words(s: str) -> int:
    return len(s.split())


def sum_of_evens(nums: list[int]) -> int:
    return sum(n for n in nums if n % 2 == 0)


def celsius_to_fahrenheit(c: float) -> float:
    return c * 9 / 5 + 32


def capitalize_words(s: str) -> str:
    return " ".join(word.capitalize() for word in s.split())


def second_largest(nums: list[int]) -> int:
    return sorted(set(nums))[-2]


def running_sum(nums: list[int]) -> list[int]:
    total = 0
    sums: list[int] = []
    for n in nums:
        total += n
        sums.append(total)
    return sums


def char_frequency(s: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    return counts


def to_binary(n: int) -> str:
    if n == 0:
        return "0"
    digits = ""
    while n > 0:
        digits = str(n % 2) + digits
        n //= 2
    return digits

package dev.hako.cli; public class Main { public static void main(String[] a){} }

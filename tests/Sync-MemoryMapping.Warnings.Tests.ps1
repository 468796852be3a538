BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
}

Describe 'Sync-MemoryMapping says when it writes nothing' {
    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'warns that a private mapping''s changes never reach the file, and the file is unchanged' {
        $path = Join-Path $TestDrive "private-$(New-Guid).bin"
        $content = New-PatternFile -Path $path -Length $Page
        $m = New-MemoryMapping $path -Private
        Set-MappedByte $m -Offset 0 -String 'own copy'

        Sync-MemoryMapping $m -WarningVariable warned -WarningAction SilentlyContinue

        "$warned" | Should -Be "Mapping $($m.Id) is private (copy-on-write): its changes are its own copies and never reach $path, so Sync wrote nothing. Map the file shared (without -Private) to write to it."
        [IO.File]::ReadAllBytes($path) | Should -Be $content
    }

    It 'warns that anonymous memory has no file' {
        $m = New-MemoryMapping -Anonymous -Length $Page
        Sync-MemoryMapping $m -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -BeLike "Mapping $($m.Id) is anonymous memory: it has no file*"
    }

    It 'says nothing for a shared file mapping, whose changes it writes' {
        $path = Join-Path $TestDrive "shared-$(New-Guid).bin"
        $null = New-PatternFile -Path $path -Length $Page
        $m = New-MemoryMapping $path
        Set-MappedByte $m -Offset 0 -String 'saved'
        Sync-MemoryMapping $m -WarningVariable warned
        $warned | Should -BeNullOrEmpty
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($path), 0, 5) | Should -Be 'saved'
    }
}
